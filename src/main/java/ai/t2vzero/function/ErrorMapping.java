package ai.t2vzero.function;

import ai.t2vzero.errors.ApiException;
import ai.t2vzero.errors.ServiceUnavailableException;
import ai.t2vzero.errors.ApiError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import ai.t2vzero.pipeline.GenerationStoppedException;
import io.quarkus.funqy.runtime.ApplicationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Turns every failure of every route into a JSON {@link ApiError}. Funqy cannot set status codes itself
 * (quarkusio/quarkus#39355) and its routes are plain Vert.x routes, so this is a Vert.x failure handler:
 * <ul>
 * <li>an {@link ApiException} (the one error vocabulary: invalid field, input video, too large, unavailable) -> its
 *     status, code and field, with Retry-After for a 503;
 * <li>unreadable input (malformed JSON, wrong JSON types) on plain HTTP, binary and structured CloudEvents
 *     -> 400 {@code bad_request}, naming the field from Jackson's path when there is one;
 * <li>bodies over quarkus.http.limits.max-body-size -> 413;
 * <li>{@link GenerationStoppedException} (a synchronous call's job) -> 504 {@code timeout} past its deadline, 409
 *     {@code canceled};
 * <li>bare 4xx statuses (404, 405, 406...) -> their JSON form;
 * <li>anything else -> 500 {@code internal} with an id; the stack trace is logged at ERROR with that id.
 * </ul>
 */
@ApplicationScoped
public class ErrorMapping {

    private static final Logger LOG = Logger.getLogger(ErrorMapping.class);
    private static final String UNREADABLE = "request body could not be read as the function's input";
    private static final String NO_INPUT = "no input: send the function's input as a JSON object (as the request body,"
            + " or as the data of a CloudEvent)";

    @Inject
    ObjectMapper mapper;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    }

    /** A mapped failure: HTTP status, body, and the Retry-After seconds of a 503 (else 0). */
    record Mapped(int status, ApiError body, long retryAfterSeconds) {
        Mapped(int status, ApiError body) {
            this(status, body, 0);
        }
    }

    void onFailure(RoutingContext ctx) {
        Throwable t = unwrap(ctx.failure());
        Mapped m;
        try {
            m = map(ctx, t);
        } catch (RuntimeException e) {
            e.addSuppressed(t != null ? t : new IllegalStateException("status " + ctx.statusCode()));
            m = internal(ctx, e);
        }
        send(ctx, m);
    }

    private Mapped map(RoutingContext ctx, Throwable t) {
        if (t instanceof ApiException e) {
            long retryAfter = e instanceof ServiceUnavailableException u ? u.retryAfterSeconds() : 0;
            return new Mapped(e.status(), e.body(), retryAfter);
        }
        if (t instanceof JsonProcessingException e) { // structured CE: unreadable event, or data of wrong type
            return new Mapped(400, unreadable(e));
        }
        if (t instanceof UncheckedIOException e && e.getCause() instanceof JsonProcessingException j) { // binary CE
            return new Mapped(400, unreadable(j));
        }
        if (t instanceof GenerationStoppedException e) { // a synchronous call's job: deadline passed, or canceled
            return e.reason() == GenerationStoppedException.Reason.TIMEOUT
                    ? new Mapped(504, ApiError.of("timeout", "timeoutSeconds", "the job did not finish before its"
                            + " deadline (t2v.jobs.timeout, or the request's timeoutSeconds)"))
                    : new Mapped(409, ApiError.of("canceled", null, "the job was canceled"));
        }
        if (t != null && missingInput(ctx, t)) {
            return new Mapped(400, ApiError.of("bad_request", null, NO_INPUT));
        }
        if (t == null) {
            int status = ctx.statusCode();
            switch (status) {
                case 400:
                    return new Mapped(400, plainHttpUnreadable(ctx)); // Funqy's plain-HTTP unmarshal failure
                case 404:
                    return new Mapped(404, ApiError.of("not_found", null, "no such resource: " + ctx.request().path()));
                case 405:
                    return new Mapped(405, ApiError.of("method_not_allowed", null,
                            ctx.request().method() + " is not allowed on " + ctx.request().path()));
                case 406:
                case 415:
                    return new Mapped(status, ApiError.of("unsupported_media_type", null, "unsupported Content-Type "
                            + ctx.request().getHeader("Content-Type")
                            + ": use application/json or application/cloudevents+json"));
                case 413:
                    return new Mapped(413, ApiError.of("payload_too_large", null, "request body too large"));
                default:
                    if (status >= 400 && status < 500) {
                        return new Mapped(status, ApiError.of("bad_request", null, "request rejected with status " + status));
                    }
            }
        }
        return internal(ctx, t);
    }

    private static Mapped internal(RoutingContext ctx, Throwable t) {
        String id = UUID.randomUUID().toString();
        if (t != null) {
            LOG.errorf(t, "internal error %s on %s %s", id, ctx.request().method(), ctx.request().path());
        } else {
            LOG.errorf("internal error %s on %s %s: status %d without exception", id, ctx.request().method(),
                    ctx.request().path(), ctx.statusCode());
        }
        return new Mapped(500, ApiError.internal(id));
    }

    /**
     * Funqy 3.33 fails with a NullPointerException (empty body) or IllegalArgumentException (structured CloudEvent
     * without data) before the function runs when there is no input: a client error, not an internal one.
     */
    private static boolean missingInput(RoutingContext ctx, Throwable t) {
        if (!(t instanceof NullPointerException || t instanceof IllegalArgumentException)) {
            return false;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().startsWith("io.quarkus.funqy.")) {
                break; // thrown inside Funqy; our routes that passed the request on (ctx.next()) sit further down
            }
            if (frame.getClassName().startsWith("ai.t2vzero.")) {
                return false; // thrown by our code: a bug, not a missing input
            }
        }
        Buffer body = ctx.body() != null ? ctx.body().buffer() : null;
        if (body == null || body.length() == 0) {
            return true;
        }
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.startsWith("application/cloudevents+json")) {
            try {
                JsonNode event = MISSING_DATA_READER.readTree(body.getBytes());
                return event.isObject() && (!event.has("data") || event.get("data").isNull());
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    private static final ObjectMapper MISSING_DATA_READER = new ObjectMapper();
    /** Jackson's STRICT_DUPLICATE_DETECTION message. */
    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("Duplicate field '([^']*)'");

    /** Strips the wrappers Funqy and reflection put around the function's own exception. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof ApplicationException || t instanceof CompletionException
                || t instanceof InvocationTargetException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** bad_request naming the field from Jackson's path when there is one. */
    static ApiError unreadable(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : " (fields: " + u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
            return ApiError.of("bad_request", u.getPropertyName(), "unknown field '" + u.getPropertyName() + "'" + known);
        }
        java.util.regex.Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        if (duplicate.find()) {
            return ApiError.of("bad_request", duplicate.group(1), "duplicate field '" + duplicate.group(1) + "'");
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String expected = e instanceof MismatchedInputException mi ? jsonTypeOf(mi.getTargetType()) : null;
            return ApiError.of("bad_request", field, expected != null
                    ? field + " must be " + expected
                    : field + " could not be read" + detail(m.getOriginalMessage()));
        }
        if (e instanceof JsonMappingException) { // e.g. a JSON array or string where an object is expected
            return ApiError.of("bad_request", null, UNREADABLE + ": expected a JSON object");
        }
        String where = e.getLocation() != null
                ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                : "";
        return ApiError.of("bad_request", null, "malformed JSON" + where + detail(e.getOriginalMessage()));
    }

    /** ": " + Jackson's first message line, unless it names Java types (those stay in the server log). */
    private static String detail(String message) {
        if (message == null || message.contains("`")) {
            return "";
        }
        int nl = message.indexOf('\n');
        return ": " + (nl >= 0 ? message.substring(0, nl) : message);
    }

    private static String jsonTypeOf(Class<?> target) {
        if (target == null) {
            return null;
        }
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class) {
            return "an integer";
        }
        if (target == Double.class || target == double.class || target == Float.class || target == float.class) {
            return "a number";
        }
        if (target == String.class) {
            return "a string";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        return "a JSON object"; // records and POJOs
    }

    /**
     * Funqy answers an unreadable plain-HTTP body with a bare 400 and only logs Jackson's exception. Read the
     * body once more with the application's mapper as the function's input type ({@link FunctionSupport#INPUTS})
     * to recover the field.
     */
    private ApiError plainHttpUnreadable(RoutingContext ctx) {
        try {
            Buffer body = ctx.body() != null ? ctx.body().buffer() : null;
            String path = ctx.request().path();
            Class<?> input = path == null ? null : FunctionSupport.INPUTS.get(path.substring(path.lastIndexOf('/') + 1));
            if (body != null && body.length() > 0 && input != null) {
                mapper.readerFor(input).readValue(body.getBytes());
            }
        } catch (JsonProcessingException e) {
            return unreadable(e);
        } catch (Exception e) {
            LOG.debug("could not re-read the rejected body", e);
        }
        return ApiError.of("bad_request", null, UNREADABLE);
    }

    private void send(RoutingContext ctx, Mapped m) {
        HttpServerResponse response = ctx.response();
        if (response.closed() || response.ended()) {
            return;
        }
        if (response.headWritten()) { // a failure after the body started: nothing sensible left to say
            response.close();
            return;
        }
        String json;
        try {
            json = mapper.writeValueAsString(m.body());
        } catch (JsonProcessingException e) {
            json = "{\"error\":\"internal\",\"message\":\"could not encode the error\"}";
        }
        response.setStatusCode(m.status()).putHeader("Content-Type", "application/json");
        if (m.retryAfterSeconds() > 0) {
            response.putHeader("Retry-After", Long.toString(m.retryAfterSeconds()));
        }
        response.end(json);
    }
}
