package ai.t2vzero.artifact;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

@QuarkusTest
class ArtifactRoutesTest {

    @Inject
    ArtifactStore store;

    @Inject
    ArtifactCleanup cleanup;

    byte[] content;
    Artifact video;

    @BeforeEach
    void storeOne() throws IOException {
        content = new byte[1000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i % 251);
        }
        video = store.put(new ByteArrayInputStream(content), "video/mp4", "mp4");
    }

    String url() {
        return "/artifacts/" + video.id();
    }

    @Test
    void getServesTheWholeFileWithValidators() {
        Response r = given().when().get(url()).then()
                .statusCode(200)
                .contentType("video/mp4")
                .header("Content-Length", "1000")
                .header("Accept-Ranges", "bytes")
                .header("ETag", video.etag())
                .header("Last-Modified", org.hamcrest.Matchers.endsWith("GMT"))
                .extract().response();
        assertArrayEquals(content, r.asByteArray());
    }

    @Test
    void gifGetsItsContentType() throws IOException {
        Artifact gif = store.put(new ByteArrayInputStream(new byte[] {'G', 'I', 'F'}), null, "gif");
        given().when().get("/artifacts/" + gif.id()).then().statusCode(200).contentType("image/gif")
                .body(equalTo("GIF"));
    }

    @Test
    void ifNoneMatchGives304() {
        given().header("If-None-Match", video.etag()).when().get(url()).then()
                .statusCode(304).header("ETag", video.etag()).body(emptyString());
        given().header("If-None-Match", "\"other\", W/" + video.etag()).when().get(url()).then().statusCode(304);
        given().header("If-None-Match", "*").when().head(url()).then().statusCode(304);
        given().header("If-None-Match", "\"other\"").when().get(url()).then().statusCode(200);
    }

    @Test
    void rangeGives206WithExactBytes() {
        Response r = given().header("Range", "bytes=10-19").when().get(url()).then()
                .statusCode(206)
                .header("Content-Range", "bytes 10-19/1000")
                .header("Content-Length", "10")
                .contentType("video/mp4")
                .extract().response();
        assertArrayEquals(Arrays.copyOfRange(content, 10, 20), r.asByteArray());

        r = given().header("Range", "bytes=990-").when().get(url()).then()
                .statusCode(206).header("Content-Range", "bytes 990-999/1000").extract().response();
        assertArrayEquals(Arrays.copyOfRange(content, 990, 1000), r.asByteArray());

        r = given().header("Range", "bytes=995-5000").when().get(url()).then()
                .statusCode(206).header("Content-Range", "bytes 995-999/1000").extract().response();
        assertArrayEquals(Arrays.copyOfRange(content, 995, 1000), r.asByteArray());
    }

    @Test
    void suffixRange() {
        Response r = given().header("Range", "bytes=-7").when().get(url()).then()
                .statusCode(206).header("Content-Range", "bytes 993-999/1000").header("Content-Length", "7")
                .extract().response();
        assertArrayEquals(Arrays.copyOfRange(content, 993, 1000), r.asByteArray());

        r = given().header("Range", "bytes=-5000").when().get(url()).then()
                .statusCode(206).header("Content-Range", "bytes 0-999/1000").extract().response();
        assertArrayEquals(content, r.asByteArray());
    }

    @Test
    void unsatisfiableRangeGives416() {
        given().header("Range", "bytes=1000-").when().get(url()).then()
                .statusCode(416).header("Content-Range", "bytes */1000");
        given().header("Range", "bytes=5000-6000").when().get(url()).then()
                .statusCode(416).header("Content-Range", "bytes */1000");
        given().header("Range", "bytes=-0").when().get(url()).then().statusCode(416);
    }

    @Test
    void ignoredRangesServeTheWholeFile() {
        for (String range : new String[] {"bytes=5-2", "bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=99999999999999999999-"}) {
            byte[] body = given().header("Range", range).when().get(url()).then()
                    .statusCode(200).header("Content-Length", "1000").extract().asByteArray();
            assertArrayEquals(content, body, range);
        }
        // If-Range naming another version: the whole (current) file
        given().header("Range", "bytes=0-9").header("If-Range", "\"stale\"").when().get(url()).then()
                .statusCode(200).header("Content-Length", "1000");
        given().header("Range", "bytes=0-9").header("If-Range", video.etag()).when().get(url()).then()
                .statusCode(206).header("Content-Range", "bytes 0-9/1000");
    }

    @Test
    void headSendsHeadersOnly() {
        Response r = given().when().head(url()).then()
                .statusCode(200)
                .contentType("video/mp4")
                .header("Content-Length", "1000")
                .header("ETag", video.etag())
                .header("Accept-Ranges", "bytes")
                .extract().response();
        assertEquals(0, r.asByteArray().length);
        given().header("Range", "bytes=0-9").when().head(url()).then()
                .statusCode(206).header("Content-Range", "bytes 0-9/1000").header("Content-Length", "10");
    }

    @Test
    void unknownAndMalformedIdsAre404Json() throws IOException {
        given().when().get("/artifacts/00000000000000000000000000000000.mp4").then()
                .statusCode(404).contentType("application/json")
                .body("error", is("not_found")).body("field", nullValue());
        given().when().head("/artifacts/00000000000000000000000000000000.mp4").then().statusCode(404);
        given().when().get("/artifacts/nope").then().statusCode(404).body("error", is("not_found"));
        given().when().get("/artifacts/" + video.id().toUpperCase()).then().statusCode(404);

        // a temporary file of an in-progress write is not reachable
        Path dir = ((LocalArtifactStore) unwrap()).dir();
        Files.write(dir.resolve(LocalArtifactStore.TEMP_PREFIX + "123.part"), content);
        given().when().get("/artifacts/" + LocalArtifactStore.TEMP_PREFIX + "123.part").then().statusCode(404);
    }

    @Test
    void traversalAttemptsAre404() {
        for (String path : new String[] {
                "/artifacts/..%2Fpom.xml",
                "/artifacts/..%2F..%2Fpom.xml",
                "/artifacts/%2e%2e%2fpom.xml",
                "/artifacts/%2e%2e",
                "/artifacts/..%5Cpom.xml",
                "/artifacts/../pom.xml",
                "/artifacts/" + video.id() + "%2F..%2F..%2Fpom.xml",
                "/artifacts/%2Fetc%2Fpasswd"}) {
            given().urlEncodingEnabled(false).when().get(path).then().statusCode(404);
        }
    }

    @Test
    void cleanupRemovesExpiredArtifacts() throws IOException {
        Path file = ((LocalArtifactStore) unwrap()).dir().resolve(video.id());
        given().when().get(url()).then().statusCode(200);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        cleanup.runOnce();
        given().when().get(url()).then().statusCode(404);
    }

    /** The store behind the CDI client proxy. */
    private ArtifactStore unwrap() {
        return io.quarkus.arc.ClientProxy.unwrap(store);
    }
}
