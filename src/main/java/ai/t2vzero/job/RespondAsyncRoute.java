package ai.t2vzero.job;

import ai.t2vzero.function.FunctionCalls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Locale;

/**
 * {@code Prefer: respond-async} (RFC 7240) on a plain function route ({@code POST /text-to-video}...) makes it
 * {@code POST /jobs/{function}}: 202 with the same body and Location, and {@code Preference-Applied}. Without the
 * header the request goes on to the synchronous Funqy function. A Vert.x route, since Funqy's routes are Vert.x
 * routes: it runs after Quarkus' body handler and before Funqy (order {@value #ORDER}). An authentication filter must
 * run before it (a lower order).
 */
@ApplicationScoped
public class RespondAsyncRoute {

    /**
     * After Quarkus' body handler ({@code MIN_VALUE + 1}) and its upload-limit check (-2), before Funqy's routes, which
     * have no explicit order (Vert.x numbers those 0, 1, 2... as they are added).
     */
    static final int ORDER = -1;

    @Inject
    JobSubmissions submissions;

    @Inject
    ObjectMapper mapper;

    void install(@Observes Router router) {
        router.post().pathRegex("/(" + String.join("|", FunctionCalls.NAMES) + ")").order(ORDER).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        if (!prefersAsync(ctx.request().headers().getAll("Prefer"))) {
            ctx.next();
            return;
        }
        String function = ctx.request().path().substring(1);
        Buffer buffer = ctx.body() != null ? ctx.body().buffer() : null;
        byte[] body = buffer != null ? buffer.getBytes() : new byte[0];
        ctx.vertx().executeBlocking(() -> submissions.submit(function, body, ctx), false)
                .onSuccess(accepted -> {
                    String json;
                    try {
                        json = mapper.writeValueAsString(accepted);
                    } catch (JsonProcessingException e) {
                        ctx.fail(e);
                        return;
                    }
                    ctx.response().setStatusCode(202)
                            .putHeader("Content-Type", "application/json")
                            .putHeader("Location", JobSubmissions.PATH + accepted.id())
                            .putHeader("Preference-Applied", "respond-async")
                            .end(json);
                })
                .onFailure(ctx::fail);
    }

    /** True when one of the Prefer headers asks for respond-async. */
    static boolean prefersAsync(java.util.List<String> prefer) {
        for (String header : prefer) {
            for (String preference : header.split(",")) {
                String token = preference.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
                if (token.equals("respond-async")) {
                    return true;
                }
            }
        }
        return false;
    }
}
