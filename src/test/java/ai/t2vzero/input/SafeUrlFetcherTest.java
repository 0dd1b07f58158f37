package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a real HTTP server on 127.0.0.1 (and 127.0.0.2 for the pinning test). Every refused URL is a loopback one,
 * so even a broken refusal would send nothing off this machine.
 */
class SafeUrlFetcherTest {

    private static final String FIELD = "video";
    private static Vertx vertx;

    @TempDir
    static Path certDir;
    @TempDir
    Path tmp;
    private HttpServer server;
    private ExecutorService serverThreads;
    private int port;
    private final List<String> seen = new CopyOnWriteArrayList<>(); // "<path> Host: <host>" per request
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newCachedThreadPool();
        server = startServer(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        port = server.getAddress().getPort();
    }

    private HttpServer startServer(InetAddress bind) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(bind, 0), 0);
        s.setExecutor(serverThreads);
        s.createContext("/", exchange -> {
            seen.add(exchange.getRequestURI().getPath() + " Host: " + exchange.getRequestHeaders().getFirst("Host"));
            Handler h = routes.get(exchange.getRequestURI().getPath());
            try {
                if (h == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    h.handle(exchange);
                }
            } catch (IOException | InterruptedException e) {
                // the client hung up (limits, timeouts): expected in several tests
            } finally {
                exchange.close();
            }
        });
        s.start();
        return s;
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    // ---- success

    @Test
    void allowlistedLoopbackDownloadsTheExactBytes() throws IOException {
        byte[] video = fakeMp4(60_000);
        routes.put("/clip.mp4", ex -> send(ex, 200, "video/mp4", video, true));
        try (SafeUrlFetcher f = fetcher(policy(Set.of("127.0.0.1")))) {
            Path file = f.fetch(url("/clip.mp4"), FIELD);
            assertArrayEquals(video, Files.readAllBytes(file));
            assertTrue(file.getFileName().toString().endsWith(".mp4"), file.toString());
            assertEquals(tmp, file.getParent());
        }
        assertEquals(List.of("/clip.mp4 Host: 127.0.0.1:" + port), seen);
    }

    @Test
    void chunkedBodyWithoutLengthAndAMisleadingContentTypeIsSniffed() throws IOException {
        byte[] video = webm(50_000);
        routes.put("/v", ex -> send(ex, 200, "text/html; charset=utf-8", video, false));
        try (SafeUrlFetcher f = fetcher(policy(Set.of("127.0.0.1")))) {
            Path file = f.fetch(url("/v"), FIELD);
            assertArrayEquals(video, Files.readAllBytes(file));
            assertTrue(file.toString().endsWith(".mkv"), file.toString());
        }
    }

    @Test
    void followsRelativeRedirectsOnAnAllowlistedHost() throws IOException {
        byte[] video = fakeMp4(1_000);
        routes.put("/a", ex -> redirect(ex, 302, "/b?x=1"));
        routes.put("/b", ex -> redirect(ex, 307, url("/clip.mp4")));
        routes.put("/clip.mp4", ex -> send(ex, 200, "video/mp4", video, true));
        try (SafeUrlFetcher f = fetcher(policy(Set.of("127.0.0.1")))) {
            assertArrayEquals(video, Files.readAllBytes(f.fetch(url("/a"), FIELD)));
        }
        assertEquals(3, seen.size(), seen.toString());
    }

    @Test
    void connectsToTheCheckedAddressWithTheUrlHostInTheHostHeader() throws IOException {
        // the resolver says localhost is 127.0.0.2, where the only server listens; the system resolver would say
        // 127.0.0.1, where nothing listens on that port: success proves there is no second lookup
        HttpServer second = startServer(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}));
        try {
            int secondPort = second.getAddress().getPort();
            byte[] video = fakeMp4(2_000);
            routes.put("/pinned", ex -> send(ex, 200, "video/mp4", video, true));
            SafeUrlFetcher.Resolver fake = host -> {
                assertEquals("localhost", host);
                return new InetAddress[] {InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 2})};
            };
            try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, policy(Set.of("LOCALHOST")), fake, tmp)) {
                Path file = f.fetch("http://localhost:" + secondPort + "/pinned", FIELD);
                assertArrayEquals(video, Files.readAllBytes(file));
            }
            assertEquals(List.of("/pinned Host: localhost:" + secondPort), seen);
        } finally {
            second.stop(0);
        }
    }

    // ---- https: the certificate is verified against the URL's host while the socket goes to the checked IP

    @Test
    void httpsVerifiesTheUrlHostAndSendsItAsSni() throws Exception {
        List<String> sni = new CopyOnWriteArrayList<>();
        HttpsServer tls = startHttpsServer(sni);
        try {
            int tlsPort = tls.getAddress().getPort();
            byte[] video = fakeMp4(30_000);
            routes.put("/secure.mp4", ex -> send(ex, 200, "video/mp4", video, true));
            SafeUrlFetcher.Resolver localhostIsLoopback = host -> new InetAddress[] {
                    InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
            PemTrustOptions trust = new PemTrustOptions().addCertPath(certDir.resolve("server.pem").toString());
            // certificate for "localhost": valid for https://localhost, though the connection goes to 127.0.0.1
            try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, policy(Set.of("localhost", "127.0.0.1")), localhostIsLoopback,
                    tmp, trust)) {
                Path file = f.fetch("https://localhost:" + tlsPort + "/secure.mp4", FIELD);
                assertArrayEquals(video, Files.readAllBytes(file));
                assertEquals(List.of("localhost"), sni);
                assertEquals(List.of("/secure.mp4 Host: localhost:" + tlsPort), seen);
                // the same server by IP: the certificate does not name 127.0.0.1, so TLS fails
                VideoInputException e = assertThrows(VideoInputException.class,
                        () -> f.fetch("https://127.0.0.1:" + tlsPort + "/secure.mp4", FIELD));
                assertError(e, 422, "fetch_failed");
                assertTrue(e.getMessage().contains("TLS"), e.getMessage());
                assertTrue(e.getMessage().contains("subject alternative names"), e.getMessage()); // JDK's wording
            }
            // and without our certificate in the trust store (JVM defaults) it is refused as well
            try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, policy(Set.of("localhost")), localhostIsLoopback, tmp)) {
                VideoInputException e = assertThrows(VideoInputException.class,
                        () -> f.fetch("https://localhost:" + tlsPort + "/secure.mp4", FIELD));
                assertError(e, 422, "fetch_failed");
            }
            assertEquals(1, seen.size(), seen.toString());
        } finally {
            tls.stop(0);
        }
    }

    /** A self-signed EC certificate for dns:localhost, made with the JDK's keytool. */
    @BeforeAll
    static void makeCertificate() throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path p12 = certDir.resolve("server.p12");
        run(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
                "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", p12.toString(), "-storepass", "changeit",
                "-file", certDir.resolve("server.pem").toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + "\n" + output);
    }

    private HttpsServer startHttpsServer(List<String> sni) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(certDir.resolve("server.p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(SNIServerName name) {
                        sni.add(new String(name.getEncoded(), StandardCharsets.US_ASCII));
                        return true;
                    }
                }));
                params.setSSLParameters(ssl);
            }
        });
        s.setExecutor(serverThreads);
        s.createContext("/", exchange -> {
            seen.add(exchange.getRequestURI().getPath() + " Host: " + exchange.getRequestHeaders().getFirst("Host"));
            Handler h = routes.get(exchange.getRequestURI().getPath());
            try {
                h.handle(exchange);
            } catch (IOException | InterruptedException e) {
                // client went away
            } finally {
                exchange.close();
            }
        });
        s.start();
        return s;
    }

    // ---- refused addresses (400), before any connection

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "[::1]", "127.0.0.2", "[::ffff:127.0.0.1]", "0.0.0.0"})
    void loopbackWithoutAllowlistIsRefusedBeforeConnecting(String host) {
        routes.put("/clip.mp4", ex -> send(ex, 200, "video/mp4", fakeMp4(100), true));
        VideoInputException e = fetchFails(policy(Set.of()), "http://" + host + ":" + port + "/clip.mp4");
        assertError(e, 400, "url_refused");
        assertTrue(e.getMessage().contains("loopback") || e.getMessage().contains("unspecified"), e.getMessage());
        assertEquals(List.of(), seen);
    }

    @Test
    void oneNonPublicAnswerAmongPublicOnesRefusesTheHost() throws IOException {
        SafeUrlFetcher.Resolver fake = host -> new InetAddress[] {
                InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 216, 34}),
                InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, policy(Set.of()), fake, tmp)) {
            VideoInputException e = assertThrows(VideoInputException.class,
                    () -> f.fetch("http://videos.example:" + port + "/clip.mp4", FIELD));
            assertError(e, 400, "url_refused");
        }
        assertEquals(List.of(), seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:%d/clip.mp4", "http://127.0.0.2:%d/clip.mp4", "http://[::1]:%d/clip.mp4"})
    void redirectToANonAllowlistedLoopbackHostIsRefused(String target) {
        routes.put("/go", ex -> redirect(ex, 301, String.format(target, port)));
        routes.put("/clip.mp4", ex -> send(ex, 200, "video/mp4", fakeMp4(100), true));
        VideoInputException e = fetchFails(policy(Set.of("127.0.0.1")), url("/go"));
        assertError(e, 400, "url_refused");
        assertTrue(e.getMessage().contains("redirect"), e.getMessage());
        assertEquals(List.of("/go Host: 127.0.0.1:" + port), seen);
    }

    @Test
    void redirectToAnotherSchemeIsRefused() {
        routes.put("/go", ex -> redirect(ex, 302, "file:///etc/passwd"));
        assertError(fetchFails(policy(Set.of("127.0.0.1")), url("/go")), 400, "invalid_url");
    }

    @Test
    void tooManyRedirectsFail() {
        routes.put("/loop", ex -> redirect(ex, 302, "/loop"));
        FetchPolicy p = policy(Set.of("127.0.0.1"));
        VideoInputException e = fetchFails(p, url("/loop"));
        assertError(e, 422, "fetch_failed");
        assertTrue(e.getMessage().contains("redirects more than 5 times"), e.getMessage());
        assertEquals(p.maxRedirects() + 1, seen.size());
    }

    // ---- malformed and unsupported URLs (400)

    @ParameterizedTest
    @ValueSource(strings = {"ftp://127.0.0.1/clip.mp4", "file:///etc/passwd", "gopher://127.0.0.1:70/", "jar:file:/x!/y",
            "http://exa mple.com/", "http://", "http://[::1", "http:///path", "not a url", "//127.0.0.1/clip.mp4", "",
            "http://user:secret@127.0.0.1/clip.mp4", "http://under_score.example/"})
    void badUrlsAreRejected(String url) {
        assertError(fetchFails(policy(Set.of("127.0.0.1")), url), 400, "invalid_url");
        assertEquals(List.of(), seen);
    }

    // ---- size (413)

    @Test
    void declaredLengthOverTheLimitIs413() {
        routes.put("/big", ex -> send(ex, 200, "video/mp4", fakeMp4(70_000), true));
        VideoInputException e = fetchFails(policy(Set.of("127.0.0.1")), url("/big"));
        assertError(e, 413, "video_too_large");
        assertTrue(e.getMessage().contains("declares 70000 bytes"), e.getMessage());
    }

    @Test
    void chunkedBodyOverTheLimitIsAbortedWith413() {
        byte[] chunk = fakeMp4(16_384);
        routes.put("/endless", ex -> {
            ex.getResponseHeaders().set("Content-Type", "video/mp4");
            ex.sendResponseHeaders(200, 0); // chunked
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < 10_000; i++) { // 160 MB unless the client hangs up
                out.write(chunk);
            }
        });
        long t0 = System.nanoTime();
        VideoInputException e = fetchFails(policy(Set.of("127.0.0.1")), url("/endless"));
        assertError(e, 413, "video_too_large");
        assertTrue(e.getMessage().contains("sent more than 65536 bytes"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "aborted early");
    }

    // ---- not a video (422)

    @Test
    void htmlIsNotAVideo() {
        byte[] html = "<!DOCTYPE html><html><body>Not here</body></html>".getBytes(StandardCharsets.UTF_8);
        routes.put("/page", ex -> send(ex, 200, "text/html", html, true));
        VideoInputException e = fetchFails(policy(Set.of("127.0.0.1")), url("/page"));
        assertError(e, 422, "not_a_video");
        assertTrue(e.getMessage().contains("text/html"), e.getMessage());
    }

    @Test
    void htmlLabelledAsVideoIsStillNotAVideo() {
        byte[] html = ("<html>" + "x".repeat(5_000) + "</html>").getBytes(StandardCharsets.UTF_8);
        routes.put("/liar.mp4", ex -> send(ex, 200, "video/mp4", html, false));
        assertError(fetchFails(policy(Set.of("127.0.0.1")), url("/liar.mp4")), 422, "not_a_video");
    }

    @Test
    void emptyBodyIsNotAVideo() {
        routes.put("/empty", ex -> ex.sendResponseHeaders(200, -1));
        assertError(fetchFails(policy(Set.of("127.0.0.1")), url("/empty")), 422, "not_a_video");
    }

    @Test
    void errorStatusFails() {
        routes.put("/gone", ex -> send(ex, 410, "text/plain", "gone".getBytes(StandardCharsets.UTF_8), true));
        VideoInputException e = fetchFails(policy(Set.of("127.0.0.1")), url("/gone"));
        assertError(e, 422, "fetch_failed");
        assertTrue(e.getMessage().contains("HTTP 410"), e.getMessage());
    }

    @Test
    void refusedConnectionFails() throws IOException {
        int closedPort;
        try (var probe = new java.net.ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            closedPort = probe.getLocalPort();
        }
        assertError(fetchFails(policy(Set.of("127.0.0.1")), "http://127.0.0.1:" + closedPort + "/x"), 422, "fetch_failed");
    }

    // ---- time limits (422 fetch_timeout)

    @Test
    void serverSilentAfterTheFirstBytesTimesOut() {
        routes.put("/stall", ex -> {
            ex.getResponseHeaders().set("Content-Type", "video/mp4");
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(fakeMp4(1_000));
            ex.getResponseBody().flush();
            Thread.sleep(10_000);
        });
        assertTimesOut(url("/stall"), "sent nothing");
    }

    @Test
    void serverThatNeverAnswersTimesOut() {
        routes.put("/mute", ex -> Thread.sleep(10_000));
        assertTimesOut(url("/mute"), "sent nothing");
    }

    @Test
    void tricklingServerHitsTheTotalTimeLimit() {
        byte[] video = fakeMp4(60_000);
        routes.put("/trickle", ex -> {
            ex.getResponseHeaders().set("Content-Type", "video/mp4");
            ex.sendResponseHeaders(200, video.length);
            for (int i = 0; i < video.length; i += 1_000) { // 6 s in all, never silent for the read timeout
                ex.getResponseBody().write(video, i, 1_000);
                ex.getResponseBody().flush();
                Thread.sleep(100);
            }
        });
        assertTimesOut(url("/trickle"), "total time limit");
    }

    private void assertTimesOut(String url, String expectedMessage) {
        FetchPolicy p = new FetchPolicy(loopbackAllowed(Set.of("127.0.0.1")), 65_536, Duration.ofSeconds(1), Duration.ofMillis(400),
                Duration.ofMillis(1_500), 5);
        long t0 = System.nanoTime();
        VideoInputException e = fetchFails(p, url);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertError(e, 422, "fetch_timeout");
        assertTrue(e.getMessage().contains(expectedMessage), e.getMessage());
        assertTrue(ms < 3_000, "took " + ms + " ms");
    }

    // ---- the allowlist lifts private/CGNAT only (fake resolver: nothing leaves this machine)

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "::1", "::ffff:127.0.0.2"}) // metadata/link-local: see below
    void anAllowlistedHostResolvingToMetadataLoopbackOrUnspecifiedIsStillRefused(String address) throws IOException {
        InetAddress resolved = InetAddress.getByName(address);
        SafeUrlFetcher.Resolver fake = host -> new InetAddress[] {resolved};
        FetchPolicy hostsOnly = new FetchPolicy(AddressAllowlist.ofHosts(Set.of("videos.internal")), 65_536,
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), 5);
        try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, hostsOnly, fake, tmp)) {
            VideoInputException e = assertThrows(VideoInputException.class,
                    () -> f.fetch("http://videos.internal:" + port + "/clip.mp4", FIELD));
            assertError(e, 400, "url_refused");
        }
        assertTrue(seen.isEmpty(), "no request may reach the server: " + seen);
    }

    @Test
    void theExplicitUnsafeSettingLiftsLoopbackForListedHostsOnly() throws IOException {
        byte[] video = fakeMp4(10_000);
        routes.put("/clip.mp4", ex -> send(ex, 200, "video/mp4", video, true));
        SafeUrlFetcher.Resolver fake = host -> new InetAddress[] {InetAddress.getByAddress(new byte[] {127, 0, 0, 1})};
        FetchPolicy explicit = new FetchPolicy(loopbackAllowed(Set.of("videos.internal")), 65_536,
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), 5);
        try (SafeUrlFetcher f = new SafeUrlFetcher(vertx, explicit, fake, tmp)) {
            assertArrayEquals(video, Files.readAllBytes(f.fetch("http://videos.internal:" + port + "/clip.mp4", FIELD)));
            assertError(assertThrows(VideoInputException.class,
                    () -> f.fetch("http://other.internal:" + port + "/clip.mp4", FIELD)), 400, "url_refused");
        }
    }

    @Test
    void hostEntriesLiftPrivateAndCgnatAndRangesLiftTheirAddresses() throws IOException {
        AddressAllowlist hosts = AddressAllowlist.ofHosts(Set.of("Videos.Internal."));
        assertTrue(hosts.permits("videos.internal", ip("10.0.0.5"), AddressCategory.PRIVATE));
        assertTrue(hosts.permits("videos.internal", ip("100.64.1.1"), AddressCategory.CGNAT));
        assertTrue(hosts.permits("anything", ip("93.184.216.34"), AddressCategory.PUBLIC));
        assertFalse(hosts.permits("videos.internal", ip("224.0.0.1"), AddressCategory.MULTICAST));
        assertFalse(hosts.permits("videos.internal", ip("169.254.169.254"), AddressCategory.LINK_LOCAL));
        assertFalse(hosts.permits("videos.internal", ip("127.0.0.1"), AddressCategory.LOOPBACK));
        assertFalse(hosts.permits("other", ip("10.0.0.5"), AddressCategory.PRIVATE));
        AddressAllowlist ranges = AddressAllowlist.of(List.of(), List.of("10.1.2.0/24", "fd00::/8", "198.18.0.1"),
                List.of());
        assertTrue(ranges.permits("x", ip("10.1.2.200"), AddressCategory.PRIVATE));
        assertFalse(ranges.permits("x", ip("10.1.3.1"), AddressCategory.PRIVATE));
        assertTrue(ranges.permits("x", ip("fd12::1"), AddressCategory.PRIVATE));
        assertTrue(ranges.permits("x", ip("198.18.0.1"), AddressCategory.RESERVED));
        AddressAllowlist metadataRange = AddressAllowlist.of(List.of(), List.of("169.254.0.0/16"), List.of());
        assertFalse(metadataRange.permits("x", ip("169.254.169.254"), AddressCategory.LINK_LOCAL));
        assertTrue(AddressAllowlist.of(List.of(), List.of("169.254.0.0/16"), List.of("link-local"))
                .permits("x", ip("169.254.169.254"), AddressCategory.LINK_LOCAL));
        assertThrows(IllegalArgumentException.class, () -> AddressAllowlist.of(List.of(), List.of("example.com/8"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> AddressAllowlist.of(List.of(), List.of(), List.of("private")));
    }

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    // ---- helpers

    private VideoInputException fetchFails(FetchPolicy policy, String url) {
        try (SafeUrlFetcher f = fetcher(policy)) {
            VideoInputException e = assertThrows(VideoInputException.class, () -> f.fetch(url, FIELD));
            assertNoTempFilesLeft();
            return e;
        }
    }

    /** Temp files are deleted on every failure (closing and deleting is asynchronous: allow it a moment). */
    private void assertNoTempFilesLeft() {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        List<Path> left = new ArrayList<>();
        do {
            left.clear();
            try (Stream<Path> s = Files.list(tmp)) {
                s.forEach(left::add);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            if (left.isEmpty()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        } while (System.nanoTime() < until);
        throw new AssertionError("temp files left behind: " + left);
    }

    private static void assertError(VideoInputException e, int status, String error) {
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(error, e.code(), e.getMessage());
        assertEquals(FIELD, e.field());
        assertTrue(e.getMessage().startsWith("`video`"), e.getMessage());
    }

    private SafeUrlFetcher fetcher(FetchPolicy policy) {
        return new SafeUrlFetcher(vertx, policy, InetAddress::getAllByName, tmp);
    }

    /**
     * 64 KiB limit, 2 s connect/read, 10 s total, 5 redirects; the hosts may reach loopback (the test server), which
     * takes the explicit {@code allow-unsafe-addresses=loopback} on top of the host allowlist.
     */
    private static FetchPolicy policy(Set<String> allowHosts) {
        return new FetchPolicy(loopbackAllowed(allowHosts), 65_536, Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(10), 5);
    }

    static AddressAllowlist loopbackAllowed(Set<String> hosts) {
        return new AddressAllowlist(hosts, List.of(), Set.of(AddressCategory.LOOPBACK));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body, boolean withLength) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, withLength ? body.length : 0);
        ex.getResponseBody().write(body);
    }

    private static void redirect(HttpExchange ex, int status, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        byte[] body = "<a href=\"elsewhere\">moved</a>".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    /** An ISO BMFF {@code ftyp} box followed by random bytes (not decodable; only the container signature matters). */
    static byte[] fakeMp4(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'};
        System.arraycopy(ftyp, 0, b, 0, Math.min(ftyp.length, length));
        return b;
    }

    private static byte[] webm(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        b[0] = 0x1a;
        b[1] = 0x45;
        b[2] = (byte) 0xdf;
        b[3] = (byte) 0xa3;
        return b;
    }
}
