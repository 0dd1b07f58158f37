package ai.t2vzero.job;

import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.errors.ApiError;
import ai.t2vzero.function.FunctionCalls;
import ai.t2vzero.function.PreparedCall;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.Base64;
import java.util.Locale;

/**
 * CloudEvents on {@code POST /}, before Funqy sees them (order {@value RespondAsyncRoute#ORDER}):
 * <ul>
 * <li>an event (binary: any {@code ce-} attribute header; structured: {@code application/cloudevents+json}) without
 *     one of the required attributes {@code specversion} (1.0), {@code id}, {@code source}, {@code type} is a 400
 *     naming the attribute;</li>
 * <li>sink mode ({@link CloudEventSink#sink()} set): the event is validated as its type's function request (400
 *     naming the field), queued as a job and answered 202 at once with no reply event; its outcome goes to the sink
 *     ({@link CloudEventSink}). An event whose (source, id) was accepted before within the retention starts
 *     nothing and is answered like the first one: 202 naming the same job;</li>
 * <li>reply mode (no sink): Funqy handles the event and answers with the reply event when the video is done
 *     (one job per (source, id) there too: ai.t2vzero.job.SyncJobs).</li>
 * </ul>
 */
@ApplicationScoped
public class CloudEventIntake {

    static final String STRUCTURED = "application/cloudevents+json";

    @Inject
    CloudEventSink sink;

    @Inject
    FunctionCalls calls;

    @Inject
    JobService service;

    @Inject
    ArtifactUrls urls;

    @Inject
    ObjectMapper mapper;

    void install(@Observes Router router) {
        router.post("/").order(RespondAsyncRoute.ORDER).handler(this::handle);
    }

    /** The attributes that matter here, and the data: raw bytes (binary mode) or a JSON tree (structured). */
    private record Event(String specversion, String id, String source, String type, byte[] bytes, JsonNode tree) {
    }

    private void handle(RoutingContext ctx) {
        String contentType = ctx.request().getHeader("Content-Type");
        boolean structured = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(STRUCTURED);
        MultiMap h = ctx.request().headers();
        boolean binary = !structured && (h.contains("ce-id") || h.contains("ce-specversion") || h.contains("ce-type")
                || h.contains("ce-source"));
        if (!structured && !binary) {
            ctx.next();
            return;
        }
        Buffer buffer = ctx.body() != null ? ctx.body().buffer() : null;
        byte[] body = buffer != null ? buffer.getBytes() : new byte[0];
        Event event;
        if (binary) {
            event = new Event(h.get("ce-specversion"), h.get("ce-id"), h.get("ce-source"), h.get("ce-type"), body, null);
        } else {
            JsonNode root;
            try {
                root = mapper.readTree(body);
            } catch (IOException e) {
                ctx.next(); // unreadable: Funqy fails and ErrorMapping answers 400 bad_request with the position
                return;
            }
            if (root == null || !root.isObject()) {
                ctx.next();
                return;
            }
            event = new Event(text(root, "specversion"), text(root, "id"), text(root, "source"), text(root, "type"),
                    null, root);
        }
        String missing = missingAttribute(event);
        if (missing != null) {
            reply(ctx, 400, ApiError.of("bad_request", missing, "CloudEvent attribute '" + missing + "' is "
                    + (missing.equals("specversion") && event.specversion() != null
                    ? "'" + event.specversion() + "'; only 1.0 is supported"
                    : "missing (binary mode: header ce-" + missing + ")")));
            return;
        }
        if (sink.sink().isEmpty()) {
            ctx.next();
            return;
        }
        if (!FunctionCalls.exists(event.type())) {
            reply(ctx, 404, ApiError.of("not_found", "type", "no function for CloudEvent type '" + event.type()
                    + "': one of " + String.join(", ", FunctionCalls.NAMES)));
            return;
        }
        ctx.vertx().executeBlocking(() -> accept(ctx, event), false)
                .onSuccess(job -> ctx.response().setStatusCode(202)
                        .putHeader("Location", JobSubmissions.PATH + job.id())
                        .end())
                .onFailure(ctx::fail);
    }

    private Job accept(RoutingContext ctx, Event event) {
        CloudEventOrigin origin = new CloudEventOrigin(event.source(), event.id(), event.type());
        Job first = service.find(origin).orElse(null);
        if (first != null) {
            return first; // redelivery: validated and accepted before
        }
        String base = urls.publicBaseUrl(ctx);
        PreparedCall call;
        if (event.tree() == null) {
            call = calls.parse(event.type(), event.bytes(), base);
        } else if (event.tree().hasNonNull("data_base64")) {
            call = calls.parse(event.type(), Base64.getDecoder().decode(event.tree().get("data_base64").asText()), base);
        } else {
            call = calls.parse(event.type(), event.tree().get("data"), base);
        }
        return service.submit(call, origin);
    }

    private static String missingAttribute(Event e) {
        if (blank(e.specversion())) {
            return "specversion";
        }
        if (!e.specversion().strip().equals("1.0")) {
            return "specversion";
        }
        if (blank(e.id())) {
            return "id";
        }
        if (blank(e.source())) {
            return "source";
        }
        if (blank(e.type())) {
            return "type";
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String text(JsonNode root, String name) {
        JsonNode n = root.get(name);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private void reply(RoutingContext ctx, int status, ApiError error) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(mapper.writeValueAsString(error));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
