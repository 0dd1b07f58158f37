package ai.t2vzero.input;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upload disk-fill limits and the work directory at startup, in one profile: leftovers of a crash are swept, the
 * total quota answers 507, a second concurrent upload 429, and readiness goes DOWN under the free-space threshold
 * (set impossibly high here) with nothing but states and counts in its details.
 */
@QuarkusTest
@TestProfile(UploadLimitsTest.Profile.class)
class UploadLimitsTest {

    static final Path WORK = Path.of("target/test-work-limits").toAbsolutePath();
    static final String KEPT = "0123456789abcdef0123456789abcdef";
    static final String PARTIAL = "fedcba9876543210fedcba9876543210";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                // what a crash leaves behind, written before the app starts
                if (Files.exists(WORK)) {
                    ai.t2vzero.config.WorkDirectory.emptyFolder(WORK);
                }
                Files.createDirectories(WORK.resolve("tmp/nested"));
                Files.write(WORK.resolve("tmp/t2v-123-video.mp4"), new byte[100]);
                Files.write(WORK.resolve("tmp/nested/t2v-video-x.webm"), new byte[100]);
                Files.createDirectories(WORK.resolve("uploads/.checkout"));
                Files.write(WORK.resolve("uploads/.checkout/" + KEPT + "-1"), new byte[100]);
                Files.write(WORK.resolve("uploads/.incoming-" + PARTIAL), new byte[100]);
                Files.write(WORK.resolve("uploads/" + KEPT), SafeUrlFetcherTest.fakeMp4(100_000));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "t2v.work-dir", WORK.toString(),
                    "t2v.inputs.uploads.dir", WORK.resolve("uploads").toString(),
                    "t2v.inputs.uploads.max-bytes", "300K",
                    "t2v.inputs.uploads.max-total-bytes", "700K",
                    "t2v.inputs.uploads.max-concurrent", "1",
                    "t2v.work-dir-min-free", "1000000G");
        }
    }

    @Inject
    UploadStore store;
    @TestHTTPResource("/uploads")
    URI uploadsUri;

    @Test
    void startupSweepsPartialUploadsCheckoutsAndTempFilesButKeepsUploads() throws IOException {
        assertFalse(Files.exists(WORK.resolve("tmp/t2v-123-video.mp4")));
        assertFalse(Files.exists(WORK.resolve("tmp/nested")));
        assertFalse(Files.exists(WORK.resolve("uploads/.incoming-" + PARTIAL)));
        try (var s = Files.list(WORK.resolve("uploads/.checkout"))) {
            assertEquals(0, s.count());
        }
        assertTrue(Files.exists(WORK.resolve("uploads/" + KEPT)));
        assertTrue(store.usedBytes() >= 100_000, "the kept upload counts against the quota: " + store.usedBytes());
    }

    @Test
    void pastTheTotalQuotaUploadsGet507UntilSpaceIsFreed() {
        long room = store.maxTotalBytes() - store.usedBytes();
        int size = 250_000;
        String first = null;
        int stored = 0;
        while (room >= size) {
            String id = given().contentType("video/mp4").body(SafeUrlFetcherTest.fakeMp4(size)).post("/uploads")
                    .then().statusCode(201).extract().path("id");
            first = first == null ? id : first;
            room -= size;
            stored++;
        }
        assertTrue(stored >= 1);
        given().contentType("video/mp4").body(SafeUrlFetcherTest.fakeMp4(size)).post("/uploads")
                .then().statusCode(507).body("error", equalTo("insufficient_storage"));
        assertTrue(store.usedBytes() <= store.maxTotalBytes());
        given().delete("/uploads/" + first).then().statusCode(204);
        given().contentType("video/mp4").body(SafeUrlFetcherTest.fakeMp4(size)).post("/uploads")
                .then().statusCode(201);
    }

    @Test
    void aSecondConcurrentUploadGets429WithRetryAfter() throws Exception {
        deleteAllUploads(); // room under the quota, whatever ran before
        try (Socket slow = new Socket(uploadsUri.getHost(), uploadsUri.getPort())) {
            OutputStream out = slow.getOutputStream();
            out.write(("POST /uploads HTTP/1.1\r\nHost: localhost\r\nContent-Type: video/mp4\r\nContent-Length: 200000"
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(SafeUrlFetcherTest.fakeMp4(1_000));
            out.flush();
            Response busy = null;
            for (int i = 0; i < 100; i++) { // until the slow upload holds the only slot
                busy = given().contentType("video/mp4").body(SafeUrlFetcherTest.fakeMp4(10_000)).post("/uploads");
                if (busy.statusCode() == 429) {
                    break;
                }
                given().delete("/uploads/" + busy.path("id")).then().statusCode(204);
                Thread.sleep(50);
            }
            assertEquals(429, busy.statusCode());
            assertEquals("too_many_uploads", busy.path("error"));
            assertTrue(Integer.parseInt(busy.header("Retry-After")) > 0);
        }
        // the client went away: its slot and bytes are given back
        int status = 0;
        for (int i = 0; i < 100 && status != 201; i++) {
            Thread.sleep(50);
            status = given().contentType("video/mp4").body(SafeUrlFetcherTest.fakeMp4(10_000)).post("/uploads")
                    .statusCode();
        }
        assertEquals(201, status);
    }

    private void deleteAllUploads() throws IOException {
        try (var s = Files.list(store.dir())) {
            for (Path p : s.toList()) {
                if (!p.getFileName().toString().equals(KEPT)) {
                    store.delete(p.getFileName().toString());
                }
            }
        }
    }

    @Test
    void readinessIsDownUnderTheFreeSpaceThresholdAndShowsNoPaths() {
        String body = given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'work-dir-space' }.status", equalTo("DOWN"))
                .extract().asString();
        assertFalse(body.contains(WORK.toString()), body);
        assertFalse(body.contains("/models"), body);
        given().get("/q/health/live").then().statusCode(200);
    }
}
