package ai.t2vzero.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.t2vzero.config.T2vConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * {@link S3ArtifactStore} against a real S3 server (S3Proxy, in-process on 127.0.0.1): single and multipart puts,
 * stored content type, presigned downloads with a plain HTTP client and their expiry, find/list/delete, cleanup by
 * age, and failures that must leave nothing behind.
 */
class S3ArtifactStoreTest {

    static final String BUCKET = "t2v-test";
    static final String PREFIX = "videos/";
    /** The smallest part S3 (and S3Proxy) accept: multipart tests move a few parts of it over loopback. */
    static final int PART = 5 << 20;

    static S3TestServer server;
    static HttpClient http;

    S3Client raw;          // a plain client on the same bucket: what is really stored
    S3ArtifactStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void emptyBucket() {
        if (server.blobStore().containerExists(BUCKET)) {
            server.blobStore().deleteContainer(BUCKET);
        }
        server.createBucket(BUCKET);
        store = store(BUCKET, Duration.ofMinutes(10));
        raw = S3Client.builder().region(Region.US_EAST_1).endpointOverride(server.endpoint()).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(credentials()).build();
    }

    @AfterEach
    void closeClients() {
        store.close();
        raw.close();
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY));
    }

    static S3ArtifactStore store(String bucket, Duration presignExpiry) {
        return S3ArtifactStore.create(new S3ArtifactStore.Settings(bucket, PREFIX, Optional.of(server.endpoint()),
                "us-east-1", true, presignExpiry, PART), credentials());
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + (i >> 9));
        }
        return b;
    }

    static HttpResponse<byte[]> download(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The keys under the prefix. (Listing the whole bucket would also show the bookkeeping blobs that jclouds' in-memory
     * store keeps for unfinished multipart uploads, outside the prefix; S3 itself shows no such thing.)
     */
    Set<String> keys() {
        return raw.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(PREFIX)).contents().stream().map(o -> o.key())
                .collect(Collectors.toSet());
    }

    int pendingUploads() {
        return raw.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().size();
    }

    @Test
    void smallPutIsOneObjectWithContentTypeDownloadableByPresignedUrl() throws Exception {
        byte[] content = bytes(10_000, 1);
        Artifact a = store.put(new ByteArrayInputStream(content), "video/mp4", "mp4");

        assertTrue(a.id().matches("[0-9a-f]{32}\\.mp4"), a.id());
        assertEquals(PREFIX + a.id(), a.key());
        assertEquals(Set.of(a.key()), keys());
        assertEquals("video/mp4", a.contentType());
        assertEquals(content.length, a.size());
        assertTrue(a.etag().startsWith("\"") && a.etag().endsWith("\""), a.etag());
        HeadObjectResponse head = raw.headObject(b -> b.bucket(BUCKET).key(a.key()));
        assertEquals("video/mp4", head.contentType(), "content type stored with the object");
        assertEquals(a.etag(), head.eTag());

        String url = store.url(a, "https://ignored.example");
        assertTrue(url.startsWith(server.endpoint() + "/" + BUCKET + "/" + PREFIX + a.id() + "?"), url);
        assertTrue(url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=600"), url);
        HttpResponse<byte[]> r = download(url);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        assertEquals("video/mp4", r.headers().firstValue("Content-Type").orElse(null));
        assertArrayEquals(content, r.body());

        String unsigned = url.substring(0, url.indexOf('?'));
        assertEquals(403, download(unsigned).statusCode(), "the bucket is private: no URL without signature");
        try (InputStream in = store.open(a.id())) {
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    @Test
    void contentLargerThanOnePartGoesAsMultipartUpload() throws Exception {
        byte[] content = bytes(3 * PART + 1234, 2);   // 4 parts, the last one short
        Artifact a = store.put(new ByteArrayInputStream(content), null, "gif");

        assertEquals("image/gif", raw.headObject(b -> b.bucket(BUCKET).key(a.key())).contentType());
        assertEquals(content.length, a.size());
        assertTrue(a.etag().endsWith("-4\""), "S3 marks multipart objects with -<parts> in the ETag: " + a.etag());
        assertEquals(0, pendingUploads(), "the upload was completed");
        HttpResponse<byte[]> r = download(store.url(a, null));
        assertEquals(200, r.statusCode());
        assertEquals("image/gif", r.headers().firstValue("Content-Type").orElse(null));
        assertArrayEquals(content, r.body());

        byte[] onePart = bytes(PART, 3);                // exactly one part: a multipart upload of one part
        Artifact b = store.put(new ByteArrayInputStream(onePart), "video/mp4", "mp4");
        assertTrue(b.etag().endsWith("-1\""), b.etag());
        assertArrayEquals(onePart, download(store.url(b, null)).body());

        byte[] justBelow = bytes(PART - 1, 4);          // one byte less: a single PutObject
        Artifact c = store.put(new ByteArrayInputStream(justBelow), "video/mp4", "mp4");
        assertFalse(c.etag().contains("-"), c.etag());
        assertArrayEquals(justBelow, download(store.url(c, null)).body());

        Artifact empty = store.put(new ByteArrayInputStream(new byte[0]), "video/mp4", "mp4");
        assertEquals(0, empty.size());
        assertEquals(4, keys().size());
    }

    @Test
    void presignedUrlExpires() throws Exception {
        // 2 s, not 1: X-Amz-Date has whole seconds, so a URL signed late in a second is valid for (expiry - <1 s)
        try (S3ArtifactStore shortLived = store(BUCKET, Duration.ofSeconds(2))) {
            Artifact a = shortLived.put(new ByteArrayInputStream(bytes(100, 5)), "video/mp4", "mp4");
            String url = shortLived.url(a, null);
            assertTrue(url.contains("X-Amz-Expires=2"), url);
            assertEquals(200, download(url).statusCode(), "valid right after presigning");
            Thread.sleep(3_500);
            HttpResponse<byte[]> late = download(url);
            assertEquals(403, late.statusCode(), () -> new String(late.body()));
            assertEquals(200, download(shortLived.url(a, null)).statusCode(), "a fresh URL works again");
        }
    }

    @Test
    void findListOpenDeleteSeeOnlyArtifactsUnderThePrefix() throws Exception {
        Artifact a = store.put(new ByteArrayInputStream(bytes(10, 6)), "video/mp4", "mp4");
        Artifact b = store.put(new ByteArrayInputStream(bytes(20, 7)), "image/gif", "gif");
        raw.putObject(p -> p.bucket(BUCKET).key(PREFIX + "notes.txt"), RequestBody.fromString("not an artifact"));
        raw.putObject(p -> p.bucket(BUCKET).key(a.id()), RequestBody.fromString("same id, outside the prefix"));

        assertEquals(Set.of(a.id(), b.id()), store.list().stream().map(Artifact::id).collect(Collectors.toSet()));
        Artifact listed = store.list().stream().filter(x -> x.id().equals(b.id())).findFirst().orElseThrow();
        assertEquals(b.size(), listed.size());
        assertEquals(b.etag(), listed.etag());
        assertEquals("image/gif", listed.contentType());
        assertEquals(b, store.find(b.id()).orElseThrow());

        assertEquals(Optional.empty(), store.find("0123456789abcdef0123456789abcdef.mp4"), "unknown id");
        assertEquals(Optional.empty(), store.find("notes.txt"), "not an id");
        assertEquals(Optional.empty(), store.find("../" + a.id()), "not an id");

        assertTrue(store.delete(a.id()));
        assertFalse(store.delete(a.id()), "already gone");
        assertFalse(store.delete("notes.txt"));
        assertThrows(NoSuchFileException.class, () -> store.open(a.id()));
        assertEquals(Set.of(PREFIX + b.id(), PREFIX + "notes.txt"), keys(), "only the artifact went");
        assertEquals(27, raw.headObject(h -> h.bucket(BUCKET).key(a.id())).contentLength(), "outside the prefix: kept");
    }

    @Test
    void cleanupDeletesArtifactsOlderThanTheCutoffAndAbandonedUploads() throws Exception {
        Artifact old = store.put(new ByteArrayInputStream(bytes(10, 8)), "video/mp4", "mp4");
        Thread.sleep(1_100);
        Instant cutoff = Instant.now();
        Thread.sleep(1_100);   // Last-Modified has whole seconds: the next object is at least a second newer
        Artifact fresh = store.put(new ByteArrayInputStream(bytes(10, 9)), "video/mp4", "mp4");
        raw.putObject(p -> p.bucket(BUCKET).key(PREFIX + "notes.txt"), RequestBody.fromString("not ours"));
        String uploading = PREFIX + "00000000000000000000000000000000.mp4";   // a put in progress, or abandoned
        raw.createMultipartUpload(b -> b.bucket(BUCKET).key(uploading));

        assertEquals(1, store.deleteCreatedBefore(cutoff));
        assertEquals(Set.of(PREFIX + fresh.id(), PREFIX + "notes.txt"), keys());
        assertEquals(Optional.empty(), store.find(old.id()));
        assertEquals(1, pendingUploads(), "an upload started after the cutoff is left alone");

        // (S3Proxy reports a multipart upload's Initiated as the time of listing, S3 the real start: only a cutoff
        // in the future tells an abandoned upload apart on both)
        assertEquals(1, store.deleteCreatedBefore(Instant.now().plusSeconds(5)));
        assertEquals(List.of(), store.list());
        assertEquals(Set.of(PREFIX + "notes.txt"), keys());
        assertEquals(0, pendingUploads(), "the abandoned multipart upload was aborted");
    }

    @Test
    void putWhileTheServerIsDownFailsAndStoresNothing() throws Exception {
        store.checkWritable();
        server.stop();
        try {
            assertThrows(IOException.class, () -> store.put(new ByteArrayInputStream(bytes(100, 10)), "video/mp4", "mp4"));
            assertThrows(IOException.class, () -> store.put(new ByteArrayInputStream(bytes(2 * PART, 11)), "video/mp4", "mp4"));
            assertThrows(IOException.class, store::checkWritable);
            assertThrows(IOException.class, store::list);
        } finally {
            server.restart();
        }
        assertEquals(Set.of(), keys());
        assertEquals(List.of(), store.list());
        assertEquals(0, pendingUploads());
        store.checkWritable();
    }

    @Test
    void failureInTheMiddleOfAMultipartUploadAbortsIt() throws Exception {
        // the content fails after two parts went up: the upload must be aborted, no object appear
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(bytes(5 * PART, 12))) {
            long read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= 2 * PART + 100) {
                    throw new IOException("encoder died");
                }
                int n = super.read(b, off, (int) Math.min(len, 2 * PART + 100 - read));
                read += Math.max(n, 0);
                return n;
            }
        };
        IOException e = assertThrows(IOException.class, () -> store.put(failing, "video/mp4", "mp4"));
        assertEquals("encoder died", e.getMessage());
        assertEquals(Set.of(), keys());
        assertEquals(0, pendingUploads(), "the multipart upload was aborted");
    }

    @Test
    void serverGoingAwayDuringAMultipartUploadLeavesNoObject() throws Exception {
        // the server stops after the first part: neither the part nor the abort gets through
        InputStream stopping = new FilterInputStream(new ByteArrayInputStream(bytes(3 * PART, 13))) {
            long read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= PART) {
                    try {
                        server.stop();
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }
                int n = super.read(b, off, len);
                read += Math.max(n, 0);
                return n;
            }
        };
        try {
            assertThrows(IOException.class, () -> store.put(stopping, "video/mp4", "mp4"));
        } finally {
            server.restart();
        }
        assertEquals(Set.of(), keys(), "nothing visible");
        assertEquals(0, store.list().size());
        assertEquals(1, pendingUploads(), "the abort could not reach the server");
        store.deleteCreatedBefore(Instant.now().plusSeconds(5));
        assertEquals(0, pendingUploads(), "cleanup aborts it");
    }

    @Test
    void checkWritableNeedsAnExistingBucket() throws Exception {
        store.checkWritable();
        try (S3ArtifactStore missing = store("no-such-bucket", Duration.ofMinutes(1))) {
            IOException e = assertThrows(IOException.class, missing::checkWritable);
            assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
            assertThrows(IOException.class, () -> missing.put(new ByteArrayInputStream(bytes(5, 14)), "video/mp4", "mp4"));
        }
    }

    static T2vConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().addDiscoveredConverters()
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .withMapping(T2vConfig.class).build().getConfigMapping(T2vConfig.class);
    }

    @Test
    void settingsFromConfigEnforceS3Limits() {
        var config = config(Map.of(
                "t2v.s3.bucket", "b", "t2v.s3.prefix", "p/", "t2v.s3.endpoint", "http://127.0.0.1:9",
                "t2v.s3.path-style", "true", "t2v.s3.presign-expiry", "2h"));
        S3ArtifactStore.Settings s = S3ArtifactStore.Settings.of(config.s3());
        assertEquals("b", s.bucket());
        assertEquals("p/", s.prefix());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9")), s.endpoint());
        assertTrue(s.pathStyle());
        assertEquals(Duration.ofHours(2), s.presignExpiry());
        assertEquals(16L << 20, s.partSize());

        assertThrows(IllegalStateException.class, () -> S3ArtifactStore.Settings.of(
                config(Map.of()).s3()), "bucket missing");
        assertThrows(IllegalStateException.class, () -> S3ArtifactStore.Settings.of(
                config(Map.of("t2v.s3.bucket", "b", "t2v.s3.part-size", "1M")).s3()), "part below 5M");
        assertThrows(IllegalStateException.class, () -> S3ArtifactStore.Settings.of(
                config(Map.of("t2v.s3.bucket", "b", "t2v.s3.presign-expiry", "P8D")).s3()), "expiry over 7 days");
    }

    @Test
    void aHangingEndpointFailsEveryCallWithinTheApiCallTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // reads nothing, answers nothing
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            URI endpoint = URI.create("http://127.0.0.1:" + silent.getLocalPort());
            var settings = new S3ArtifactStore.Settings("bucket", PREFIX, Optional.of(endpoint), "us-east-1", true,
                    Duration.ofMinutes(10), PART, Duration.ofSeconds(2));
            try (S3ArtifactStore hanging = S3ArtifactStore.create(settings, credentials())) {
                // the old client waited 60 s of socket timeout per attempt, 3 attempts: the guard is a hang check
                org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    assertThrows(IOException.class, () -> hanging.put(new java.io.ByteArrayInputStream(bytes(1000, 1)),
                            "video/mp4", "mp4"));
                    assertThrows(IOException.class, () -> hanging.find("0123456789abcdef0123456789abcdef.mp4"));
                });
            } finally {
                for (java.net.Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void presignedLinksLiveAsLongAsTheArtifactsWithinSevenDays() {
        var s = new S3ArtifactStore.Settings("b", "", Optional.empty(), "us-east-1", false, Duration.ofHours(1), PART);
        assertEquals(Duration.ofHours(24), s.coveringRetention(Duration.ofHours(24)).presignExpiry());
        assertEquals(Duration.ofDays(7), s.coveringRetention(Duration.ofDays(30)).presignExpiry());
        assertEquals(Duration.ofDays(7), s.coveringRetention(Duration.ZERO).presignExpiry());
        assertEquals(Duration.ofHours(1), s.coveringRetention(Duration.ofMinutes(5)).presignExpiry());
    }
}
