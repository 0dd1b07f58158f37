package ai.t2vzero.input;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.errors.ApiException;
import ai.t2vzero.errors.VideoInputException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.UUID;

/**
 * {@code POST /uploads}: the raw video bytes as the body ({@code Content-Type: video/*}, {@code image/gif} or
 * {@code application/octet-stream}; anything else is 415), streamed to disk by {@link UploadReceiver}; answers
 * {@code 201 {"id": "<32 hex>", "video": "upload:<id>", "expiresAt": "<ISO-8601>"}} with
 * {@code Location: /uploads/<id>}. Over {@code t2v.inputs.uploads.max-bytes} (declared or counted): 413; past the
 * quota of all uploads together ({@code t2v.inputs.uploads.max-total-bytes}): 507 {@code insufficient_storage}; more
 * than {@code t2v.inputs.uploads.max-concurrent} uploads in progress: 429 {@code too_many_uploads} with Retry-After.
 * {@code DELETE /uploads/<id>}: 204, or 404 when there is no such upload. Errors are the API's one JSON shape
 * ({@link ApiError}), internal ones with an id that is also in the log.
 *
 * <p>The POST route has order {@link Integer#MIN_VALUE}: Funqy makes Quarkus install a body handler on every route
 * (order {@code MIN_VALUE + 1}) that would buffer the whole body in memory and apply
 * {@code quarkus.http.limits.max-body-size}, so this route must take the request before it. It therefore also runs
 * before Quarkus HTTP filters; the authentication filter ({@code ai.t2vzero.auth.AuthFilter}) is a route of the same
 * order installed earlier, so it still runs first.
 */
@ApplicationScoped
public class UploadRoutes {

    static final String PATH = "/uploads";
    private static final Logger LOG = Logger.getLogger(UploadRoutes.class);
    /** Bytes still read (and dropped) after an early error answer before the connection is closed. */
    private static final long DRAIN_LIMIT = 16L << 20;
    /** Retry-After of a 429 (too many uploads at once). */
    static final long BUSY_RETRY_AFTER_SECONDS = 5;

    private final UploadStore store;
    private final Vertx vertx;
    private final boolean autoContinue;

    @Inject
    public UploadRoutes(UploadStore store, Vertx vertx,
                        @ConfigProperty(name = "quarkus.http.handle-100-continue-automatically", defaultValue = "false")
                        boolean autoContinue) {
        this.store = store;
        this.vertx = vertx;
        this.autoContinue = autoContinue;
    }

    void install(@Observes Router router) {
        router.post(PATH).order(Integer.MIN_VALUE).handler(this::upload);
        router.delete(PATH + "/:id").handler(this::delete);
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause();
        // 1. media type: a video container, or bytes of unknown type
        String contentType = request.getHeader("Content-Type");
        if (!acceptable(contentType)) {
            reject(ctx, new VideoInputException(415, "unsupported_media_type", null, "POST " + PATH
                    + " takes the raw video bytes with Content-Type video/*, image/gif or application/octet-stream (got "
                    + (contentType == null ? "none" : "'" + SafeUrlFetcher.abbreviate(contentType) + "'") + ")"));
            return;
        }
        // 2. a declared length over the limit is refused before reading
        long declared = parseLength(request.getHeader("Content-Length"));
        if (declared > store.maxBytes()) {
            reject(ctx, new VideoInputException(413, "video_too_large", null, "the upload declares " + declared
                    + " bytes, more than the limit of " + store.maxBytes() + " bytes"));
            return;
        }
        // 3. the uploads folder's quota, for a declared length; undeclared ones are counted as they arrive
        if (declared > 0 && store.usedBytes() + declared > store.maxTotalBytes()) {
            reject(ctx, insufficientStorage(store));
            return;
        }
        // 4. at most t2v.inputs.uploads.max-concurrent uploads in progress
        Runnable slot = store.tryStartUpload();
        if (slot == null) {
            ctx.response().putHeader("Retry-After", Long.toString(BUSY_RETRY_AFTER_SECONDS));
            reject(ctx, new VideoInputException(429, "too_many_uploads", null, store.maxConcurrent()
                    + " uploads are in progress, the most this instance takes at once; retry shortly"));
            return;
        }
        ctx.addEndHandler(v -> slot.run());
        // 5. a client waiting for 100-continue gets it only now
        if (!autoContinue && "100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            ctx.response().writeContinue();
        }
        new UploadReceiver(vertx, store, ctx, slot).start();
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        vertx.executeBlocking(() -> store.delete(id.toLowerCase(Locale.ROOT)), false).onComplete(ar -> {
            if (ar.failed()) {
                internalError(ctx, "cannot delete the upload", ar.cause());
            } else if (ar.result()) {
                ctx.response().setStatusCode(204).end();
            } else {
                reject(ctx, new VideoInputException(404, "upload_not_found", null, "upload "
                        + SafeUrlFetcher.abbreviate(id) + " does not exist or has expired"));
            }
        });
    }

    static VideoInputException insufficientStorage(UploadStore store) {
        return new VideoInputException(507, "insufficient_storage", null, "the uploads of this instance are at their "
                + "quota of " + store.maxTotalBytes() + " bytes; delete uploads you no longer need (DELETE /uploads/<id>) "
                + "or retry once older ones expire");
    }

    static boolean acceptable(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return (type.startsWith("video/") && type.length() > "video/".length())
                || type.equals("application/octet-stream") || type.equals("image/gif");
    }

    /**
     * Answers {@code e} as JSON. When the request body has not been read completely, the rest is read and dropped (as
     * Vert.x' own body handler does after a 413), so that a client that sends its whole body before reading still
     * gets the answer; past {@link #DRAIN_LIMIT} more bytes the connection is closed.
     */
    static void reject(RoutingContext ctx, ApiException e) {
        send(ctx, e.status(), e.body());
    }

    /** 500 in the API's one error shape; the cause is logged with the id the answer carries. */
    static void internalError(RoutingContext ctx, String message, Throwable cause) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(cause, "internal error %s on %s %s: %s", id, ctx.request().method(), ctx.request().path(), message);
        send(ctx, 500, ApiError.internal(id));
    }

    private static void send(RoutingContext ctx, int status, ApiError body) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        if (!response.headWritten()) {
            response.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Json.encode(body));
        }
        if (!request.isEnded()) {
            long[] dropped = {0};
            request.handler(buffer -> {
                dropped[0] += buffer.length();
                if (dropped[0] > DRAIN_LIMIT) {
                    request.connection().close();
                }
            });
            request.endHandler(v -> { });
            request.exceptionHandler(t -> { });
            request.resume();
        }
    }

    private static long parseLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
