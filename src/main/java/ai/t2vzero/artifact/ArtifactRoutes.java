package ai.t2vzero.artifact;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET|HEAD /artifacts/{id}}: streams a stored file from disk (sendfile, never through the heap) with
 * Content-Type, Content-Length, a strong ETag, Last-Modified and Accept-Ranges. If-None-Match gives 304; one
 * {@code Range: bytes=a-b | a- | -n} gives 206 with Content-Range (honouring If-Range), an unsatisfiable one 416.
 * Multi-range and malformed Range headers are ignored (full 200), as RFC 9110 allows. With the S3 store the answer
 * is a 307 to a freshly presigned URL of the object. Unknown or malformed ids
 * (traversal attempts included) are 404, rendered as JSON by the failure handler.
 */
@ApplicationScoped
public class ArtifactRoutes {

    /** Path of artifact URLs, up to the id. */
    public static final String PATH_PREFIX = "/artifacts/";

    @Inject
    ArtifactStore store;

    void install(@Observes Router router) {
        // stat and open are blocking file-system calls: keep them off the event loop
        router.route(HttpMethod.GET, PATH_PREFIX + ":id").blockingHandler(this::serve, false);
        router.route(HttpMethod.HEAD, PATH_PREFIX + ":id").blockingHandler(this::serve, false);
    }

    void serve(RoutingContext ctx) {
        Optional<Artifact> found;
        try {
            found = store.find(ctx.pathParam("id"));
        } catch (IOException e) {
            ctx.fail(e);
            return;
        }
        Optional<Path> file = found.flatMap(store::localFile);
        Optional<String> elsewhere = file.isEmpty() ? found.flatMap(store::downloadRedirect) : Optional.empty();
        if (elsewhere.isPresent()) { // S3: a freshly signed link, whatever the age of the one first handed out
            ctx.response().setStatusCode(307).putHeader("Location", elsewhere.get())
                    .putHeader("Cache-Control", "no-store").end();
            return;
        }
        if (file.isEmpty()) {
            ctx.fail(404);
            return;
        }
        Artifact a = found.get();
        long size = a.size();
        String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME
                .format(a.created().truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
        HttpServerResponse r = ctx.response()
                .putHeader("ETag", a.etag())
                .putHeader("Last-Modified", lastModified)
                .putHeader("Accept-Ranges", "bytes")
                .putHeader("X-Content-Type-Options", "nosniff");
        boolean head = ctx.request().method() == HttpMethod.HEAD;

        // 1. conditional GET
        String ifNoneMatch = ctx.request().getHeader("If-None-Match");
        if (ifNoneMatch != null && etagListMatches(ifNoneMatch, a.etag())) {
            r.setStatusCode(304).end();
            return;
        }
        r.putHeader("Content-Type", a.contentType());

        // 2. range, unless If-Range names another version
        String range = ctx.request().getHeader("Range");
        String ifRange = ctx.request().getHeader("If-Range");
        if (range != null && (ifRange == null || ifRange.strip().equals(a.etag()) || ifRange.strip().equals(lastModified))) {
            ByteRange br = ByteRange.parse(range, size);
            if (br == ByteRange.UNSATISFIABLE) {
                r.setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
                return;
            }
            if (br != null) {
                r.setStatusCode(206)
                        .putHeader("Content-Range", "bytes " + br.first() + "-" + br.last() + "/" + size);
                send(ctx, file.get(), br.first(), br.length(), head);
                return;
            }
        }
        // 3. whole file
        r.setStatusCode(200);
        send(ctx, file.get(), 0, size, head);
    }

    private static void send(RoutingContext ctx, Path file, long offset, long length, boolean head) {
        HttpServerResponse r = ctx.response().putHeader("Content-Length", Long.toString(length));
        if (head) {
            r.end();
            return;
        }
        r.sendFile(file.toString(), offset, length).onFailure(e -> {
            if (!r.headWritten()) {
                ctx.fail(e); // e.g. deleted by retention between stat and send
            } else {
                r.close();
            }
        });
    }

    /** If-None-Match: "*" or a list of entity tags, compared weakly (W/ ignored), as RFC 9110 13.1.2 says. */
    static boolean etagListMatches(String header, String etag) {
        String strong = stripWeak(etag);
        for (String candidate : header.split(",")) {
            String c = candidate.strip();
            if (c.equals("*") || stripWeak(c).equals(strong)) {
                return true;
            }
        }
        return false;
    }

    private static String stripWeak(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /** A satisfiable single byte range, inclusive bounds. */
    record ByteRange(long first, long last) {

        /** Marker for a syntactically valid range that selects no byte of the file. */
        static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

        long length() {
            return last - first + 1;
        }

        /**
         * Parses {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n} against a file of {@code size} bytes.
         *
         * @return the range clipped to the file, {@link #UNSATISFIABLE}, or null to ignore the header
         *         (other units, several ranges, malformed)
         */
        static ByteRange parse(String header, long size) {
            String h = header.strip();
            if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
                return null;
            }
            String spec = h.substring(6).strip();
            int dash = spec.indexOf('-');
            if (spec.contains(",") || dash < 0) {
                return null;
            }
            String a = spec.substring(0, dash).strip();
            String b = spec.substring(dash + 1).strip();
            try {
                if (a.isEmpty()) { // suffix: the last n bytes
                    if (b.isEmpty() || !digits(b)) {
                        return null;
                    }
                    long n = Long.parseLong(b);
                    if (n == 0 || size == 0) {
                        return UNSATISFIABLE;
                    }
                    return new ByteRange(Math.max(0, size - n), size - 1);
                }
                if (!digits(a) || (!b.isEmpty() && !digits(b))) {
                    return null;
                }
                long first = Long.parseLong(a);
                long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
                if (last < first) {
                    return null; // invalid: ignored
                }
                if (first >= size) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(first, Math.min(last, size - 1));
            } catch (NumberFormatException e) { // more digits than a long holds
                return null;
            }
        }

        private static boolean digits(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return !s.isEmpty();
        }
    }
}
