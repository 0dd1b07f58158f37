package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST/DELETE /uploads through the running app, and {@link VideoInputs} on what they stored (test limit: 1 MiB). */
@QuarkusTest
class UploadRoutesTest {

    @Inject
    VideoInputs inputs;
    @Inject
    UploadStore store;
    @TestHTTPResource("/uploads")
    URI uploadsUri;

    @Test
    void uploadReturns201AndResolvesToTheSameBytes() throws IOException {
        byte[] mp4 = SafeUrlFetcherTest.fakeMp4(300_000);
        Instant before = Instant.now();
        var response = given().contentType("video/mp4").body(mp4)
                .when().post("/uploads")
                .then().statusCode(201).contentType(ContentType.JSON)
                .header("Location", matchesPattern("/uploads/[0-9a-f]{32}"))
                .body("id", matchesPattern("[0-9a-f]{32}"))
                .extract();
        String id = response.path("id");
        assertEquals("/uploads/" + id, response.header("Location"));
        assertEquals("upload:" + id, response.path("video"));
        Instant expiresAt = Instant.parse(response.path("expiresAt"));
        assertFalse(expiresAt.isBefore(before.plus(store.ttl()).minusSeconds(1)), expiresAt.toString());
        assertFalse(expiresAt.isAfter(Instant.now().plus(store.ttl()).plusSeconds(1)), expiresAt.toString());

        Path first = inputs.resolve("upload:" + id, "video");
        assertArrayEquals(mp4, Files.readAllBytes(first));
        Files.delete(first); // the caller's file: deleting it leaves the upload usable
        Path second = inputs.resolve("  upload:" + id.toUpperCase() + " ", "video");
        assertNotEquals(first, second);
        assertArrayEquals(mp4, Files.readAllBytes(second));
        Files.delete(second);
    }

    @Test
    void chunkedOctetStreamUploadIsAccepted() throws Exception {
        byte[] mp4 = SafeUrlFetcherTest.fakeMp4(700_000);
        HttpResponse<String> response = postChunked("application/octet-stream", mp4);
        assertEquals(201, response.statusCode(), response.body());
        String id = new JsonObject(response.body()).getString("id");
        Path file = inputs.resolve("upload:" + id, "video");
        assertArrayEquals(mp4, Files.readAllBytes(file));
        Files.delete(file);
    }

    @Test
    void declaredOversizeUploadIs413Json() {
        byte[] tooBig = SafeUrlFetcherTest.fakeMp4((int) store.maxBytes() + 1);
        given().contentType("video/mp4").body(tooBig)
                .when().post("/uploads")
                .then().statusCode(413).contentType(ContentType.JSON)
                .body("error", equalTo("video_too_large"))
                .body("field", nullValue())
                .body("message", containsString("limit of " + store.maxBytes() + " bytes"));
        assertNoIncomingFiles();
    }

    @Test
    void chunkedOversizeUploadIs413Json() throws Exception {
        byte[] tooBig = SafeUrlFetcherTest.fakeMp4((int) store.maxBytes() * 3);
        HttpResponse<String> response = postChunked("video/webm", tooBig);
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        JsonObject error = new JsonObject(response.body());
        assertEquals("video_too_large", error.getString("error"));
        assertTrue(error.containsKey("field") && error.getValue("field") == null, response.body());
        assertTrue(error.getString("message").contains("larger than the limit"), response.body());
        assertNoIncomingFiles();
    }

    @Test
    void clientExpecting100ContinueGetsItOnlyWhenTheUploadIsAcceptable() throws IOException {
        byte[] mp4 = SafeUrlFetcherTest.fakeMp4(50_000);
        try (Socket socket = new Socket(uploadsUri.getHost(), uploadsUri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // too large: refused before a single body byte is sent
            out.write(head("video/mp4", store.maxBytes() + 1).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readResponseHead(in).startsWith("HTTP/1.1 413"));
        }
        try (Socket socket = new Socket(uploadsUri.getHost(), uploadsUri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head("video/mp4", mp4.length).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readResponseHead(in).startsWith("HTTP/1.1 100"));
            out.write(mp4);
            out.flush();
            assertTrue(readResponseHead(in).startsWith("HTTP/1.1 201"));
        }
    }

    private String head(String contentType, long length) {
        return "POST " + uploadsUri.getPath() + " HTTP/1.1\r\nHost: " + uploadsUri.getAuthority() + "\r\nContent-Type: "
                + contentType + "\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n";
    }

    /** The status line and headers of the next response (its body, if any, stays unread). */
    private static String readResponseHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    @Test
    void wrongContentTypeIs415Json() {
        for (String type : List.of("text/html", "application/json", "image/png", "video/")) {
            given().contentType(type).body(SafeUrlFetcherTest.fakeMp4(1_000))
                    .when().post("/uploads")
                    .then().statusCode(415).contentType(ContentType.JSON)
                    .body("error", equalTo("unsupported_media_type"))
                    .body("message", containsString("video/*"));
        }
    }

    @Test
    void bytesThatAreNoVideoAre422() {
        byte[] html = ("<!DOCTYPE html><html>" + "x".repeat(2_000) + "</html>").getBytes(StandardCharsets.UTF_8);
        given().contentType("video/mp4").body(html)
                .when().post("/uploads")
                .then().statusCode(422).contentType(ContentType.JSON).body("error", equalTo("not_a_video"));
        given().contentType("video/mp4").body(new byte[0])
                .when().post("/uploads")
                .then().statusCode(422).body("message", containsString("empty"));
        assertNoIncomingFiles();
    }

    @Test
    void unknownOrMalformedUploadReferencesAreRefused() {
        VideoInputException unknown = assertThrows(VideoInputException.class,
                () -> inputs.resolve("upload:" + "0".repeat(32), "video"));
        assertEquals(404, unknown.status());
        assertEquals("upload_not_found", unknown.code());
        assertEquals("video", unknown.field());
        for (String bad : List.of("upload:../../etc/passwd", "upload:", "upload:abc", "upload:" + "g".repeat(32))) {
            VideoInputException e = assertThrows(VideoInputException.class, () -> inputs.resolve(bad, "video"));
            assertEquals(400, e.status(), bad);
            assertEquals("invalid_video_reference", e.code(), bad);
        }
        given().when().delete("/uploads/" + "0".repeat(32))
                .then().statusCode(404).contentType(ContentType.JSON).body("error", equalTo("upload_not_found"));
        given().when().delete("/uploads/..%2F..%2Fetc")
                .then().statusCode(404);
    }

    @Test
    void deletedUploadIsGone() {
        String id = upload();
        given().when().delete("/uploads/" + id).then().statusCode(204);
        VideoInputException e = assertThrows(VideoInputException.class, () -> inputs.resolve("upload:" + id, "video"));
        assertEquals(404, e.status());
        given().when().delete("/uploads/" + id).then().statusCode(404);
    }

    @Test
    void expiredUploadsAreRefusedAndCleanedUp() throws IOException {
        FileTime longAgo = FileTime.from(Instant.now().minus(store.ttl()).minus(Duration.ofSeconds(1)));
        // refused when used: find() deletes it
        String used = upload();
        Files.setLastModifiedTime(store.file(used), longAgo);
        VideoInputException e = assertThrows(VideoInputException.class, () -> inputs.resolve("upload:" + used, "video"));
        assertEquals(404, e.status());
        assertFalse(Files.exists(store.file(used)));
        // deleted by the cleanup, which keeps live uploads
        String expired = upload();
        String live = upload();
        Files.setLastModifiedTime(store.file(expired), longAgo);
        assertTrue(store.cleanupExpired() >= 1);
        assertFalse(Files.exists(store.file(expired)));
        assertTrue(Files.exists(store.file(live)));
        Path file = inputs.resolve("upload:" + live, "video");
        Files.delete(file);
    }

    @Test
    void otherValuesAreRefusedNamingTheField() {
        for (String bad : List.of("ftp://127.0.0.1/clip.mp4", "file:///etc/passwd", "/tmp/clip.mp4", "clip.mp4")) {
            VideoInputException e = assertThrows(VideoInputException.class, () -> inputs.resolve(bad, "controlVideo"));
            assertEquals(400, e.status(), bad);
            assertEquals("controlVideo", e.field());
            assertTrue(e.getMessage().startsWith("`controlVideo`"), e.getMessage());
        }
        VideoInputException blank = assertThrows(VideoInputException.class, () -> inputs.resolve(" ", "video"));
        assertEquals(400, blank.status());
        // loopback is not on the (empty) allowlist of the test configuration: refused before any connection
        VideoInputException refused = assertThrows(VideoInputException.class,
                () -> inputs.resolve("http://127.0.0.1:9/clip.mp4", "video"));
        assertEquals(400, refused.status());
        assertEquals("url_refused", refused.code());
    }

    /** POST with a body of unknown length: Transfer-Encoding chunked, no Content-Length. */
    private HttpResponse<String> postChunked(String contentType, byte[] body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uploadsUri)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String upload() {
        return given().contentType("video/quicktime").body(SafeUrlFetcherTest.fakeMp4(2_000))
                .when().post("/uploads")
                .then().statusCode(201).extract().path("id");
    }

    /** Rejected uploads leave nothing behind (the incoming file is deleted asynchronously: allow it a moment). */
    private void assertNoIncomingFiles() {
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        List<String> incoming;
        do {
            try (Stream<Path> s = Files.list(store.dir())) {
                incoming = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".incoming-"))
                        .collect(Collectors.toList());
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            if (incoming.isEmpty()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        } while (System.nanoTime() < until);
        throw new AssertionError("incoming files left behind: " + incoming);
    }
}
