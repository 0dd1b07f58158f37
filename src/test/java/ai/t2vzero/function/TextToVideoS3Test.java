package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import ai.t2vzero.artifact.S3TestResource;
import ai.t2vzero.artifact.S3TestServer;
import ai.t2vzero.ops.HealthChecksTest;
import ai.t2vzero.ops.PrometheusText;
import ai.t2vzero.video.VideoInfo;
import ai.t2vzero.video.VideoReader;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * text-to-video with {@code t2v.artifacts.store=s3} against a real S3 server (S3Proxy on 127.0.0.1): the answer is a
 * presigned URL that a plain HTTP client downloads as an MP4; with the server down the job fails with 500 and an
 * error id, leaves no temp file, and readiness reports the store DOWN until it is back.
 */
@QuarkusTest
@TestProfile(TextToVideoS3Test.Profile.class)
class TextToVideoS3Test {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3TestResource.class));
        }
    }

    static final String JOB = "{\"prompt\":\"x\",\"videoLength\":2,\"height\":64,\"width\":64,\"numInferenceSteps\":4,"
            + "\"t0\":1,\"t1\":2}";

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theAnswerIsAPresignedUrlToAnMp4InTheBucket() throws Exception {
        S3TestServer s3 = S3TestResource.server();
        Response r = given().contentType("application/json").body(JOB).post("/text-to-video")
                .then().statusCode(200).body("frames", equalTo(2)).extract().response();
        String id = r.jsonPath().getString("id");
        String url = r.jsonPath().getString("url");
        assertTrue(url.startsWith(s3.endpoint() + "/" + S3TestResource.BUCKET + "/" + S3TestResource.PREFIX + id + "?"), url);
        // presign-expiry 10m is raised to the retention (24h): the link lives as long as the artifact
        assertTrue(url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=86400"), url);
        // and the app's own link re-signs on demand
        String fresh = given().redirects().follow(false).get("/artifacts/" + id).then().statusCode(307)
                .header("Cache-Control", "no-store").extract().header("Location");
        assertTrue(fresh.startsWith(s3.endpoint() + "/" + S3TestResource.BUCKET + "/" + S3TestResource.PREFIX + id + "?"),
                fresh);
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(fresh)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        assertTrue(s3.blobStore().blobExists(S3TestResource.BUCKET, S3TestResource.PREFIX + id));

        HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertEquals("video/mp4", download.headers().firstValue("Content-Type").orElse(null));
        byte[] mp4 = download.body();
        assertArrayEquals("ftyp".getBytes(), java.util.Arrays.copyOfRange(mp4, 4, 8), "an MP4 file");
        Path file = Files.createTempFile("t2v-s3-test-", ".mp4");
        try {
            Files.write(file, mp4);
            VideoInfo info = new VideoReader(file).info();
            assertEquals(2, info.frameCount());
            assertEquals(64, info.width());
            assertEquals(64, info.height());
        } finally {
            Files.delete(file);
        }
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'artifact-store' }.data.store", equalTo("s3"));
    }

    /** POST /uploads stores the upload in the bucket too (any pod resolves it), DELETE removes it there. */
    @Test
    void uploadsGoToTheBucketToo() {
        S3TestServer s3 = S3TestResource.server();
        String id = given().contentType("video/mp4").body(TestVideos.corruptMp4())
                .post("/uploads").then().statusCode(201).extract().path("id");
        String key = S3TestResource.PREFIX + "uploads/" + id;
        assertTrue(s3.blobStore().blobExists(S3TestResource.BUCKET, key), key);
        given().delete("/uploads/" + id).then().statusCode(204);
        assertFalse(s3.blobStore().blobExists(S3TestResource.BUCKET, key), key);
    }

    @Test
    void withS3DownTheJobFailsWith500AndLeavesNothing() throws Exception {
        S3TestServer s3 = S3TestResource.server();
        given().contentType("application/json").body(JOB).post("/text-to-video").then().statusCode(200); // warm
        double errors = PrometheusText.scrape().valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "error");
        s3.stop();
        try {
            Response failed = given().contentType("application/json").body(JOB).post("/text-to-video")
                    .then().statusCode(500).body("error", equalTo("internal")).extract().response();
            String errorId = failed.jsonPath().getString("id");
            assertTrue(errorId != null && !errorId.isBlank(), failed.asString());
            assertFalse(failed.asString().contains("127.0.0.1"), "no internals in the answer: " + failed.asString());
            assertEquals(List.of(), leftoverTempFiles(), "the encoded video was deleted");
            assertEquals(errors + 1, PrometheusText.scrape()
                    .valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "error"));

            Response ready = HealthChecksTest.await(() -> given().get("/q/health/ready"), 503);
            assertEquals("DOWN", ready.jsonPath().getString("checks.find { it.name == 'artifact-store' }.status"));
            // states only in the public answer: no S3 error text (it is logged)
            assertEquals(null, ready.jsonPath().getString("checks.find { it.name == 'artifact-store' }.data.error"),
                    ready.asString());
            assertFalse(ready.asString().contains(S3TestResource.BUCKET), ready.asString());
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            s3.restart();
        }
        HealthChecksTest.await(() -> given().get("/q/health/ready"), 200);
        given().contentType("application/json").body(JOB).post("/text-to-video").then().statusCode(200);
    }

    /**
     * Temp files of this process's jobs (VideoPublisher names them with the pid) in the work directory's tmp/, where
     * they are made, and in java.io.tmpdir, where none may be.
     */
    static List<Path> leftoverTempFiles() throws IOException {
        Path workTemp = Path.of(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("t2v.work-dir", String.class)).resolve("tmp");
        try (Stream<Path> s = Stream.concat(Files.isDirectory(workTemp) ? Files.list(workTemp) : Stream.empty(),
                Files.list(Path.of(System.getProperty("java.io.tmpdir"))))) {
            return s.filter(p -> p.getFileName().toString().startsWith(VideoPublisher.TEMP_PREFIX)).toList();
        }
    }

}
