package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Streams one {@code POST /uploads} body to the store's incoming file: never more than Vert.x' read buffers in memory,
 * back-pressure from the disk to the socket, the byte limit enforced as the bytes arrive (413 at the first byte too
 * many), the first {@link VideoSniffer#HEAD_BYTES} bytes sniffed (422 when they are no video container), then an atomic
 * rename and {@code 201 {"id", "video", "expiresAt"}} with a {@code Location}. On any failure the incoming file is
 * deleted. All callbacks run on the request's event loop.
 */
final class UploadReceiver {

    private final Vertx vertx;
    private final UploadStore store;
    private final RoutingContext ctx;
    private final HttpServerRequest request;
    private final String id;
    private final Runnable slot;
    private long reserved;
    private final Buffer head = Buffer.buffer(VideoSniffer.HEAD_BYTES);
    private AsyncFile file;
    private long received;
    private boolean sniffed;
    private boolean done;

    /** {@code slot}: gives back the receiving slot (idempotent); called once the upload is stored or dropped. */
    UploadReceiver(Vertx vertx, UploadStore store, RoutingContext ctx, Runnable slot) {
        this.slot = slot;
        this.vertx = vertx;
        this.store = store;
        this.ctx = ctx;
        this.request = ctx.request();
        this.id = store.newId();
    }

    /** The request must be paused; it is resumed once the file is open. */
    void start() {
        ctx.response().closeHandler(v -> {
            if (!done) { // the client went away mid-upload
                discard();
            }
        });
        vertx.fileSystem().open(store.incomingFile(id).toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        done = true;
                        UploadRoutes.internalError(ctx, "cannot store the upload", ar.cause());
                        return;
                    }
                    file = ar.result();
                    file.exceptionHandler(t -> fail500("writing the upload failed", t));
                    request.handler(this::onData);
                    request.endHandler(v -> onEnd());
                    request.exceptionHandler(t -> {
                        if (!done) {
                            discard(); // connection error: nobody to answer
                        }
                    });
                    request.resume();
                });
    }

    // 1. every chunk: count, keep the head, write with back-pressure
    private void onData(Buffer buffer) {
        if (done) {
            return;
        }
        received += buffer.length();
        if (received > store.maxBytes()) {
            reject(new VideoInputException(413, "video_too_large", null, "the upload is larger than the limit of "
                    + store.maxBytes() + " bytes"));
            return;
        }
        if (!store.reserve(buffer.length())) {
            reject(UploadRoutes.insufficientStorage(store));
            return;
        }
        reserved += buffer.length();
        if (head.length() < VideoSniffer.HEAD_BYTES) {
            head.appendBuffer(buffer, 0, Math.min(buffer.length(), VideoSniffer.HEAD_BYTES - head.length()));
            if (head.length() >= VideoSniffer.HEAD_BYTES && !sniff()) {
                return;
            }
        }
        file.write(buffer);
        if (file.writeQueueFull()) {
            request.pause();
            file.drainHandler(v -> {
                if (!done) {
                    request.resume();
                }
            });
        }
    }

    // 2. end of body: sniff a short body, close, publish atomically, answer 201
    private void onEnd() {
        if (done || (!sniffed && !sniff())) {
            return;
        }
        done = true;
        file.close()
                .compose(v -> vertx.executeBlocking(() -> store.commit(id), false))
                .onComplete(ar -> {
                    slot.run();
                    if (ar.failed()) {
                        store.discardIncoming(id);
                        store.release(reserved);
                        UploadRoutes.internalError(ctx, "cannot store the upload", ar.cause());
                        return;
                    }
                    UploadStore.Upload upload = ar.result();
                    ctx.response().setStatusCode(201)
                            .putHeader("Content-Type", "application/json")
                            .putHeader("Location", UploadRoutes.PATH + "/" + upload.id())
                            .end(new JsonObject()
                                    .put("id", upload.id())
                                    .put("video", upload.reference())
                                    .put("expiresAt", upload.expiresAt().toString())
                                    .encode());
                });
    }

    /** Checks the head; on failure rejects the upload with 422 and returns false. */
    private boolean sniff() {
        sniffed = true;
        byte[] bytes = head.getBytes();
        if (VideoSniffer.sniff(bytes, bytes.length).isPresent()) {
            return true;
        }
        reject(new VideoInputException(422, "not_a_video", null, bytes.length == 0 ? "the upload is empty"
                : "the upload is not a video: its first bytes are no known container (MP4/MOV, WebM/MKV, AVI, GIF, MPEG-TS)"));
        return false;
    }

    private void reject(VideoInputException e) {
        discard();
        UploadRoutes.reject(ctx, e);
    }

    private void fail500(String message, Throwable cause) {
        if (done) {
            return;
        }
        discard();
        UploadRoutes.internalError(ctx, message, cause);
    }

    private void discard() {
        done = true;
        store.release(reserved);
        reserved = 0;
        slot.run();
        AsyncFile f = file;
        file = null;
        if (f != null) {
            f.close().onComplete(ar -> vertx.executeBlocking(() -> {
                store.discardIncoming(id);
                return null;
            }, false));
        } else {
            vertx.executeBlocking(() -> {
                store.discardIncoming(id);
                return null;
            }, false);
        }
    }
}
