package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.TrustOptions;

import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads a video from an http(s) URL given by a request, without letting the request reach internal services (SSRF).
 *
 * <p>Per hop (the URL, then each redirect up to {@link FetchPolicy#maxRedirects()}):
 * <ol>
 *   <li>the URL must parse, use http or https, name a host and carry no user info;</li>
 *   <li>the host is resolved once, here, with the JVM resolver; every address it resolves to must be
 *       {@link AddressPolicy#isPublic public} or permitted by the {@link AddressAllowlist} (private and CGNAT
 *       addresses of allowlisted hosts; never loopback, link-local or unspecified without an explicit setting): one
 *       refused answer refuses the URL;</li>
 *   <li>the connection goes to one of exactly those checked addresses. There is no second lookup, so DNS rebinding
 *       (a public answer at check time, a private one at connect time) cannot redirect the connection.</li>
 * </ol>
 *
 * <p><b>How the address is pinned.</b> {@code java.net.http.HttpClient} cannot be told which address to use, and
 * {@code HttpURLConnection} to {@code http://<ip>/} would need the JVM-wide {@code sun.net.http.allowRestrictedHeaders}
 * switch for the Host header and would verify TLS certificates against the IP. This class uses the Vert.x
 * {@link HttpClient} that Quarkus already runs: {@code RequestOptions.setServer(ip:port)} is the socket address to
 * connect to, without name resolution, while {@code setHost(host)} is the name used for the {@code Host} header, for
 * TLS SNI ({@code forceSni}) and for certificate hostname verification ({@code verifyHost}, against the JVM's default
 * trust store). So https is exactly as safe as http: the certificate must be valid for the URL's host name, and the
 * bytes come from the checked address. No proxy is used (Vert.x ignores proxy environment variables).
 *
 * <p>Limits, all from {@link FetchPolicy}: a declared {@code Content-Length} above {@code maxBytes} is refused before
 * the body is read, and a body (chunked or not) is aborted as soon as it passes {@code maxBytes} (413); connect,
 * read (silence) and total time limits (422 {@code fetch_timeout}); the first {@link VideoSniffer#HEAD_BYTES} bytes must
 * be a known video container whatever the Content-Type says (422 {@code not_a_video}, the download stops there).
 * See {@link VideoInputException} for every status.
 *
 * <p>Name resolution runs on the calling thread with the JVM resolver (and its cache); its time counts against the
 * total limit but cannot be cut short, so the system resolver's own timeouts bound it.
 *
 * <p>{@link #fetch} blocks: call it from a worker thread, never from an event loop. The I/O itself runs on a Vert.x
 * event loop of its own, so it also works when called from a Vert.x worker context. The caller owns and deletes the
 * returned file.
 */
public final class SafeUrlFetcher implements AutoCloseable {

    /** Host name resolution; the JVM's {@link InetAddress#getAllByName} except in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Extra wait beyond the deadline for the event loop to report the deadline itself. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Vertx vertx;
    private final FetchPolicy policy;
    private final Resolver resolver;
    private final Path tempDir;
    private final HttpClient client;

    public SafeUrlFetcher(Vertx vertx, FetchPolicy policy, Resolver resolver, Path tempDir) {
        this(vertx, policy, resolver, tempDir, null);
    }

    /** {@code trust}: certificates to trust instead of the JVM's default trust store (tests); null for the default. */
    SafeUrlFetcher(Vertx vertx, FetchPolicy policy, Resolver resolver, Path tempDir, TrustOptions trust) {
        this.vertx = vertx;
        this.policy = policy;
        this.resolver = resolver;
        this.tempDir = tempDir.toAbsolutePath();
        int connectMs = (int) Math.min(Integer.MAX_VALUE, policy.connectTimeout().toMillis());
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(false)                       // one connection per hop, nothing pooled across checks
                .setVerifyHost(true)                       // certificate must match the URL's host
                .setForceSni(true)                         // SNI = the URL's host, though we connect to an IP
                .setTrustAll(false)
                .setConnectTimeout(connectMs)
                .setSslHandshakeTimeout(connectMs)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setDecompressionSupported(false)
                .setName("t2v-video-fetcher");
        if (trust != null) {
            options.setTrustOptions(trust);
        }
        this.client = vertx.createHttpClient(options);
    }

    public FetchPolicy policy() {
        return policy;
    }

    /**
     * Downloads {@code url} to a temp file whose suffix names the container (e.g. {@code .mp4}).
     *
     * @param field the request field that holds the URL, named in every error
     * @throws VideoInputException 400 bad or refused URL, 413 too large, 422 not a video / fetch failed / timeout
     * @throws UncheckedIOException when the temp file cannot be written
     */
    public Path fetch(String url, String field) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("SafeUrlFetcher.fetch blocks: call it from a worker thread");
        }
        long deadline = System.nanoTime() + policy.totalTimeout().toNanos();
        URI uri = parse(url, field, null);
        for (int redirects = 0; ; redirects++) {
            DownloadHop.Target target = check(uri, field, redirects > 0);
            if (System.nanoTime() - deadline >= 0) {
                throw new VideoInputException(422, "fetch_timeout", field, "`" + field + "`: " + url
                        + " was not downloaded within the total time limit of " + describe(policy.totalTimeout()));
            }
            DownloadHop.Outcome outcome = await(target, field, deadline);
            if (outcome.file() != null) {
                return outcome.file();
            }
            if (redirects >= policy.maxRedirects()) {
                throw new VideoInputException(422, "fetch_failed", field, "`" + field + "`: " + url
                        + " redirects more than " + policy.maxRedirects() + " times");
            }
            uri = parse(resolveLocation(uri, outcome.location(), field), field, uri);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    // 1. syntax: http(s), a host, no user info
    private URI parse(String url, String field, URI redirectedFrom) {
        String what = redirectedFrom == null ? "`" + field + "`" : "`" + field + "`: " + redirectedFrom + " redirects to a URL that";
        if (url == null || url.isBlank()) {
            throw invalid(field, what + " must be an http(s) URL (got an empty value)");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw invalid(field, what + " is not a valid URL (" + e.getMessage() + ")");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw invalid(field, what + " must use http or https (got " + (scheme == null ? "no scheme" : scheme + "://") + ")");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid(field, what + " must not contain user info (user:password@)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw invalid(field, what + " has no valid host: " + abbreviate(url));
        }
        return uri;
    }

    // 2. resolve once, refuse non-public answers unless allowlisted
    private DownloadHop.Target check(URI uri, String field, boolean redirected) {
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        String host = FetchPolicy.normalizeHost(uri.getHost());
        int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
        String where = redirected ? "redirect target host '" : "host '";
        InetAddress[] resolved;
        try {
            resolved = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new VideoInputException(422, "fetch_failed", field, "`" + field + "`: " + where + host
                    + "' could not be resolved", e);
        }
        if (resolved == null || resolved.length == 0) {
            throw new VideoInputException(422, "fetch_failed", field, "`" + field + "`: " + where + host
                    + "' resolves to no address");
        }
        List<InetAddress> addresses = new ArrayList<>(resolved.length);
        for (InetAddress a : resolved) {
            AddressCategory category = AddressPolicy.classify(a);
            if (!policy.allowlist().permits(host, a, category)) {
                throw new VideoInputException(400, "url_refused", field, "`" + field + "`: " + where + host
                        + "' resolves to a " + category.label() + " address; only public addresses may be fetched"
                        + (AddressAllowlist.UNSAFE.contains(category) ? "" : " (or private ones of allowlisted hosts)"));
            }
            addresses.add(withoutHostName(a));
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String requestUri = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        String url = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + requestUri;
        return new DownloadHop.Target(url, https, host, port, requestUri, List.copyOf(addresses));
    }

    // 3. one exchange on a fresh event-loop context, waited for here
    private DownloadHop.Outcome await(DownloadHop.Target target, String field, long deadline) {
        // a context of our own: the caller's may be a Vert.x worker context that this thread is blocking
        Context context = ((VertxInternal) vertx).createEventLoopContext();
        DownloadHop hop = new DownloadHop(vertx, context, client, policy, tempDir, target, field, deadline).start();
        try {
            return hop.result().get(Math.max(0, deadline - System.nanoTime()) + GRACE_NANOS, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            VideoInputException timeout = hop.totalTimeout();
            hop.abort(timeout);
            throw timeout;
        } catch (InterruptedException e) {
            hop.abort(e);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while downloading " + target.url(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("downloading " + target.url() + " failed", cause);
        }
    }

    private static String resolveLocation(URI base, String location, String field) {
        try {
            return base.resolve(new URI(location)).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new VideoInputException(422, "fetch_failed", field, "`" + field + "`: " + base
                    + " redirects to an invalid Location: " + abbreviate(location));
        }
    }

    /** The same address without the host name it was resolved from, so that nothing downstream resolves again. */
    private static InetAddress withoutHostName(InetAddress a) {
        try {
            if (a instanceof Inet6Address v6 && v6.getScopeId() != 0) {
                return Inet6Address.getByAddress(null, v6.getAddress(), v6.getScopeId());
            }
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the byte arrays come from a valid address
        }
    }

    private static VideoInputException invalid(String field, String message) {
        return new VideoInputException(400, "invalid_url", field, message);
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
