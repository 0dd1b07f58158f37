package ai.t2vzero.input;

import ai.t2vzero.artifact.S3ArtifactStore;
import ai.t2vzero.artifact.S3TestServer;
import ai.t2vzero.errors.VideoInputException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several pods, one bucket: an upload received by one {@link UploadStore} is stored in the S3 bucket (a real
 * S3-compatible server, S3Proxy on 127.0.0.1) before it is announced, and resolves on a second store with an empty
 * folder (another pod); a delete or an expiry removes the shared copy for everyone.
 */
class SharedUploadsTest {

    static final String BUCKET = "t2v-uploads";
    static final Duration TTL = Duration.ofHours(1);

    static S3TestServer server;
    static Vertx vertx;

    @TempDir
    Path podA;
    @TempDir
    Path podB;
    @TempDir
    Path podC;

    @BeforeAll
    static void start() throws Exception {
        server = S3TestServer.start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        server.close();
    }

    @BeforeEach
    void emptyBucket() {
        if (server.blobStore().containerExists(BUCKET)) {
            server.blobStore().deleteContainer(BUCKET);
        }
        server.createBucket(BUCKET);
    }

    /** A pod: its own S3 client on the shared bucket and its own uploads folder. */
    private static UploadStore pod(Path dir, Clock clock) {
        S3ArtifactStore s3 = S3ArtifactStore.create(new S3ArtifactStore.Settings(BUCKET, "t2v/",
                Optional.of(server.endpoint()), "us-east-1", true, Duration.ofMinutes(10), 5L << 20),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3TestServer.ACCESS_KEY,
                        S3TestServer.SECRET_KEY)));
        return new UploadStore(dir, 1 << 20, TTL, clock, vertx, 4 << 20, 2, "t2v.inputs.uploads.dir",
                new S3SharedUploads(s3));
    }

    /** Receives {@code bytes} as POST /uploads does: incoming file, then commit. */
    private static UploadStore.Upload receive(UploadStore store, byte[] bytes) throws IOException {
        String id = store.newId();
        Files.write(store.incomingFile(id), bytes);
        return store.commit(id);
    }

    @Test
    void anUploadTakenByOnePodResolvesOnAnother() throws IOException {
        byte[] video = SafeUrlFetcherTest.fakeMp4(300_000);
        UploadStore a = pod(podA, Clock.systemUTC());
        UploadStore.Upload up = receive(a, video);
        assertTrue(server.blobStore().blobExists(BUCKET, "t2v/uploads/" + up.id()), "stored in the bucket on commit");

        UploadStore b = pod(podB, Clock.systemUTC());
        assertFalse(Files.exists(podB.resolve(up.id())), "pod B has never seen it");
        Path checkout = b.checkout(up.reference(), "video");
        assertArrayEquals(video, Files.readAllBytes(checkout));
        assertTrue(Files.exists(podB.resolve(up.id())), "fetched once into pod B's folder");
        assertArrayEquals(video, Files.readAllBytes(b.resolve(up.reference(), "video")));
        assertEquals(video.length, b.usedBytes(), "the fetched copy counts in pod B's quota");

        // deleting on pod B removes the shared copy: a third pod cannot resolve it any more
        assertTrue(b.delete(up.id()));
        assertFalse(server.blobStore().blobExists(BUCKET, "t2v/uploads/" + up.id()));
        UploadStore c = pod(podC, Clock.systemUTC());
        VideoInputException e = assertThrows(VideoInputException.class, () -> c.find(up.reference(), "video"));
        assertEquals(404, e.status());
        assertEquals("video", e.field());
    }

    @Test
    void expiryCountsFromTheSharedCopyAndRemovesIt() throws IOException {
        UploadStore a = pod(podA, Clock.systemUTC());
        UploadStore.Upload up = receive(a, SafeUrlFetcherTest.fakeMp4(50_000));
        // pod B's clock is past the ttl: the shared copy has expired
        UploadStore b = pod(podB, Clock.fixed(Instant.now().plus(TTL).plusSeconds(60), ZoneOffset.UTC));
        VideoInputException e = assertThrows(VideoInputException.class, () -> b.find(up.reference(), "video"));
        assertEquals(404, e.status());
        assertFalse(Files.exists(podB.resolve(up.id())), "no expired copy kept");
        assertFalse(server.blobStore().blobExists(BUCKET, "t2v/uploads/" + up.id()), "expired: deleted from the bucket");

        // the periodic cleanup of any pod deletes expired shared uploads too
        UploadStore.Upload other = receive(a, SafeUrlFetcherTest.fakeMp4(50_000));
        assertTrue(b.cleanupExpired() >= 1);
        assertFalse(server.blobStore().blobExists(BUCKET, "t2v/uploads/" + other.id()));
    }

    @Test
    void withoutASharedStoreAnotherPodCannotResolveIt() throws IOException {
        UploadStore a = new UploadStore(podA, 1 << 20, TTL, Clock.systemUTC(), vertx, 4 << 20, 2,
                "t2v.inputs.uploads.dir", null);
        UploadStore.Upload up = receive(a, SafeUrlFetcherTest.fakeMp4(10_000));
        UploadStore b = new UploadStore(podB, 1 << 20, TTL, Clock.systemUTC(), vertx, 4 << 20, 2,
                "t2v.inputs.uploads.dir", null);
        assertEquals(404, assertThrows(VideoInputException.class, () -> b.find(up.reference(), "video")).status());
        assertTrue(Files.exists(a.resolve(up.reference(), "video")));
    }
}
