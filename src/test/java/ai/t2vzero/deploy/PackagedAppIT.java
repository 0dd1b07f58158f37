package ai.t2vzero.deploy;

import ai.t2vzero.video.VideoInfo;
import ai.t2vzero.video.VideoReader;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged application, the very layout the container images copy ({@code target/quarkus-app}), started as
 * {@code java -jar quarkus-run.jar} by Quarkus' integration-test launcher: it starts, reports healthy, generates a
 * video over HTTP and as a CloudEvent, and holds every file the Dockerfiles COPY.
 */
@QuarkusIntegrationTest
class PackagedAppIT {

    static final String JOB = "{\"prompt\":\"a horse galloping on a street\",\"videoLength\":2,\"height\":64,"
            + "\"width\":64,\"numInferenceSteps\":4,\"t0\":1,\"t1\":2,\"seed\":3}";

    @Test
    void startsHealthy() {
        given().get("/q/health/started").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void generatesAVideoOverHttpAndAsACloudEvent() throws IOException {
        String url = given().contentType("application/json").body(JOB).post("/text-to-video")
                .then().statusCode(200).body("frames", equalTo(2)).extract().path("url");
        byte[] mp4 = given().get(url).then().statusCode(200).contentType("video/mp4").extract().asByteArray();
        Path f = Files.createTempFile("packaged-it", ".mp4");
        try {
            Files.write(f, mp4);
            VideoInfo info = new VideoReader(f).info();
            assertEquals("h264", info.codec());
            assertEquals(2, info.frameCount());
        } finally {
            Files.deleteIfExists(f);
        }
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "it-1")
                .header("ce-source", "/it").header("ce-type", "text-to-video").body(JOB).post("/")
                .then().statusCode(200).header("ce-type", "text-to-video.output").body("frames", equalTo(2));
    }

    @Test
    void packagedLayoutHoldsWhatTheImagesCopy() {
        assertTrue(Files.isRegularFile(Path.of("target/quarkus-app/quarkus-run.jar")));
        new DeploymentManifestsTest().dockerfileCopySourcesExist();
    }
}
