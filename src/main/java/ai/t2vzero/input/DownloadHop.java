package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One GET of a {@link SafeUrlFetcher} fetch: connects to an already checked address (never resolving the host again),
 * then either reports a redirect's {@code Location} or streams the body to a temp file, sniffing its first bytes and
 * enforcing the byte limit and the deadline while it goes.
 *
 * <p>Every method except {@link #start} and {@link #abort} runs on the one event-loop context given to the
 * constructor, so the state needs no locking. The outcome arrives in {@link #result()}; on failure every byte written
 * is deleted.
 */
final class DownloadHop {

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    /** Exactly one of {@code file} (complete, sniffed body) and {@code location} (raw redirect target) is set. */
    record Outcome(Path file, String location) {
    }

    /** Where to connect: the URL's scheme, host and port, the checked addresses to try in order, the request target. */
    record Target(String url, boolean https, String host, int port, String requestUri, List<InetAddress> addresses) {
    }

    private final Vertx vertx;
    private final Context context;
    private final HttpClient client;
    private final FetchPolicy policy;
    private final Path tempDir;
    private final Target target;
    private final String field;
    private final long deadlineNanos;
    private final CompletableFuture<Outcome> result = new CompletableFuture<>();

    private boolean done;
    private long timerId = -1;
    private long readTimerId = -1;
    private long lastDataNanos;
    private HttpClientRequest request;
    private HttpClientResponse response;
    private String contentType;
    private long received;
    private final Buffer head = Buffer.buffer(VideoSniffer.HEAD_BYTES);
    private boolean opening;
    private boolean ended;
    private String tempPath;
    private AsyncFile file;

    DownloadHop(Vertx vertx, Context context, HttpClient client, FetchPolicy policy, Path tempDir, Target target,
                String field, long deadlineNanos) {
        this.vertx = vertx;
        this.context = context;
        this.client = client;
        this.policy = policy;
        this.tempDir = tempDir;
        this.target = target;
        this.field = field;
        this.deadlineNanos = deadlineNanos;
    }

    CompletableFuture<Outcome> result() {
        return result;
    }

    /** Starts the exchange on the hop's context; callable from any thread. */
    DownloadHop start() {
        context.runOnContext(v -> {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            timerId = vertx.setTimer(Math.max(1, remainingMs), id -> fail(totalTimeout()));
            connect(0);
        });
        return this;
    }

    /** Fails the exchange from any thread (the caller gave up waiting); a no-op once it has finished. */
    void abort(Throwable reason) {
        context.runOnContext(v -> fail(reason));
    }

    VideoInputException totalTimeout() {
        return new VideoInputException(422, "fetch_timeout", field, "`" + field + "`: " + target.url()
                + " was not downloaded within the total time limit of " + SafeUrlFetcher.describe(policy.totalTimeout()));
    }

    // 1. connect to the i-th checked address; on a connect failure try the next one
    private void connect(int i) {
        InetAddress address = target.addresses().get(i);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, target.port())))
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.https())
                .setURI(target.requestUri())
                .setFollowRedirects(false)
                .setConnectTimeout(policy.connectTimeout().toMillis())
                .setIdleTimeout(policy.readTimeout().toMillis())
                .putHeader("Accept", "video/*, application/octet-stream;q=0.9, */*;q=0.1")
                .putHeader("Accept-Encoding", "identity")
                .putHeader("User-Agent", "t2vzero-video-fetcher");
        client.request(options).onComplete(ar -> {
            if (done) {
                if (ar.succeeded()) {
                    ar.result().reset();
                }
                return;
            }
            if (ar.failed()) {
                if (i + 1 < target.addresses().size() && isConnectFailure(ar.cause())) {
                    connect(i + 1);
                } else {
                    fail(networkFailure(ar.cause()));
                }
                return;
            }
            request = ar.result();
            request.send().onComplete(rr -> {
                if (!done) {
                    if (rr.failed()) {
                        fail(networkFailure(rr.cause()));
                    } else {
                        onResponse(rr.result());
                    }
                }
            });
        });
    }

    // 2. status line and headers: redirect, error status, declared length
    private void onResponse(HttpClientResponse resp) {
        response = resp;
        contentType = resp.getHeader("Content-Type");
        int status = resp.statusCode();
        if (REDIRECTS.contains(status)) {
            String location = resp.getHeader("Location");
            if (location == null || location.isBlank()) {
                fail(fetchFailed(target.url() + " answered HTTP " + status + " without a Location header"));
            } else {
                succeed(new Outcome(null, location.strip()));
            }
            return;
        }
        if (status < 200 || status > 299) {
            fail(fetchFailed(target.url() + " answered HTTP " + status));
            return;
        }
        long declared = parseLength(resp.getHeader("Content-Length"));
        if (declared > policy.maxBytes()) {
            fail(tooLarge("declares " + declared + " bytes"));
            return;
        }
        resp.pause();
        lastDataNanos = System.nanoTime();
        watchBody(policy.readTimeout().toMillis());
        resp.handler(this::onData);
        resp.endHandler(v -> onEnd());
        resp.exceptionHandler(t -> fail(networkFailure(t)));
        resp.resume();
    }

    // 3. body bytes: count, collect the head until it can be sniffed, then write with back-pressure
    private void onData(Buffer buffer) {
        if (done) {
            return;
        }
        lastDataNanos = System.nanoTime();
        received += buffer.length();
        if (received > policy.maxBytes()) {
            fail(tooLarge("sent more than " + policy.maxBytes() + " bytes"));
            return;
        }
        if (file == null) {
            head.appendBuffer(buffer);
            if (head.length() >= VideoSniffer.HEAD_BYTES && !opening) {
                openFile();
            }
            return;
        }
        write(buffer);
    }

    private void onEnd() {
        if (done) {
            return;
        }
        ended = true;
        if (file != null) {
            finish();
        } else if (!opening) {
            openFile();
        }
        // else: the open callback sees `ended` and finishes
    }

    // 4. sniff the head, then create and open the temp file (the response stays paused meanwhile)
    private void openFile() {
        opening = true;
        response.pause();
        byte[] bytes = head.getBytes();
        Optional<VideoSniffer.Container> container = VideoSniffer.sniff(bytes, bytes.length);
        if (container.isEmpty()) {
            fail(new VideoInputException(422, "not_a_video", field, "`" + field + "`: " + target.url()
                    + " is not a video (Content-Type " + (contentType == null ? "absent" : "'" + contentType + "'")
                    + ", and the first bytes are no known video container: MP4/MOV, WebM/MKV, AVI, GIF, MPEG-TS)"));
            return;
        }
        vertx.fileSystem().createTempFile(tempDir.toString(), "t2v-video-", container.get().suffix(), (String) null)
                .compose(path -> {
                    tempPath = path;
                    return vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setTruncateExisting(true));
                })
                .onComplete(ar -> {
                    if (ar.failed()) {
                        opening = false;
                        fail(new UncheckedIOException(new IOException("cannot create a temp file for a download", ar.cause())));
                        return;
                    }
                    file = ar.result();
                    if (done) { // failed (deadline) while the file was being opened
                        discardFile();
                        return;
                    }
                    file.exceptionHandler(t -> fail(new UncheckedIOException(new IOException("writing " + tempPath, t))));
                    write(head);
                    opening = false;
                    if (ended) {
                        finish();
                    } else if (!file.writeQueueFull()) {
                        response.resume();
                    }
                });
    }

    private void write(Buffer buffer) {
        file.write(buffer);
        if (file.writeQueueFull()) {
            response.pause();
            file.drainHandler(v -> {
                if (!done && !ended) {
                    lastDataNanos = System.nanoTime(); // the pause was ours, not the server's
                    response.resume();
                }
            });
        }
    }

    /**
     * The read timeout while the body streams (the client's idle timeout covers only the wait for the headers):
     * fails when no byte arrived for {@code read-timeout}, else re-arms for the rest of that period.
     */
    private void watchBody(long delayMs) {
        readTimerId = vertx.setTimer(Math.max(1, delayMs), id -> {
            if (done || ended) {
                return;
            }
            long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastDataNanos);
            long readMs = policy.readTimeout().toMillis();
            if (silentMs >= readMs && !opening) {
                fail(networkFailure(new TimeoutException("no body bytes for " + silentMs + " ms")));
            } else {
                watchBody(opening ? readMs : readMs - silentMs);
            }
        });
    }

    // 5. the body ended: flush and close the file, hand it over
    private void finish() {
        file.close().onComplete(ar -> {
            if (done) {
                return;
            }
            if (ar.failed()) {
                fail(new UncheckedIOException(new IOException("closing " + tempPath, ar.cause())));
                return;
            }
            file = null;
            succeed(new Outcome(Path.of(tempPath), null));
        });
    }

    private void succeed(Outcome outcome) {
        done = true;
        try {
            stopTimers();
            if (outcome.location() != null) {
                reset(); // do not read the redirect's body; closes the connection
            }
        } finally {
            result.complete(outcome);
        }
    }

    private void fail(Throwable reason) {
        if (done) {
            return;
        }
        done = true;
        try {
            stopTimers();
            reset();
            discardFile();
        } finally {
            result.completeExceptionally(reason);
        }
    }

    private void stopTimers() {
        vertx.cancelTimer(timerId);
        vertx.cancelTimer(readTimerId);
    }

    /** Drops the exchange (closes the HTTP/1 connection); the reset's own exception is expected, not logged. */
    private void reset() {
        if (ended) {
            return; // the whole response arrived: nothing to drop
        }
        if (response != null) {
            response.exceptionHandler(t -> { });
        }
        if (request != null) {
            request.reset();
        }
    }

    private void discardFile() {
        String path = tempPath;
        if (path == null) {
            return;
        }
        if (file != null) {
            AsyncFile f = file;
            file = null;
            f.close().onComplete(ar -> vertx.fileSystem().delete(path));
        } else if (!opening) {
            vertx.fileSystem().delete(path);
        }
        // else: still opening; the open callback sees `done` and discards
    }

    private VideoInputException tooLarge(String what) {
        return new VideoInputException(413, "video_too_large", field, "`" + field + "`: " + target.url() + " " + what
                + ", more than the limit of " + policy.maxBytes() + " bytes");
    }

    private VideoInputException fetchFailed(String message) {
        return new VideoInputException(422, "fetch_failed", field, "`" + field + "`: " + message);
    }

    /** Maps a client-side failure (connect, TLS, read) to a 422. */
    private VideoInputException networkFailure(Throwable t) {
        if (t instanceof VideoInputException vie) {
            return vie;
        }
        if (t instanceof ConnectTimeoutException) {
            return new VideoInputException(422, "fetch_timeout", field, "`" + field + "`: could not connect to "
                    + target.url() + " within " + SafeUrlFetcher.describe(policy.connectTimeout()), t);
        }
        if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
            return new VideoInputException(422, "fetch_timeout", field, "`" + field + "`: " + target.url()
                    + " sent nothing for " + SafeUrlFetcher.describe(policy.readTimeout()), t);
        }
        if (t instanceof SSLException) {
            return new VideoInputException(422, "fetch_failed", field, "`" + field + "`: TLS with " + target.url()
                    + " failed: " + rootMessage(t), t);
        }
        if (t instanceof ConnectException) {
            return new VideoInputException(422, "fetch_failed", field, "`" + field + "`: could not connect to "
                    + target.url() + " (" + t.getMessage() + ")", t);
        }
        return new VideoInputException(422, "fetch_failed", field, "`" + field + "`: downloading " + target.url()
                + " failed (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")", t);
    }

    /** The innermost message: Vert.x wraps the JDK's precise TLS reason in a generic one. */
    private static String rootMessage(Throwable t) {
        String message = t.getMessage();
        for (Throwable c = t.getCause(); c != null && c != t; t = c, c = c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getMessage();
            }
        }
        return message;
    }

    private static boolean isConnectFailure(Throwable t) {
        return t instanceof ConnectException; // ConnectTimeoutException included
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
