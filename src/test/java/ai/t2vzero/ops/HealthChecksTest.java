package ai.t2vzero.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.artifact.LocalArtifactStore;
import ai.t2vzero.bundle.BundleRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** The three probe endpoints of knative/base/service.yaml, with the local artifact store. */
@QuarkusTest
public class HealthChecksTest {

    @Inject
    BundleRegistry bundles;

    @Inject
    ArtifactStore store;

    @Test
    void startedOnceLibtorchIsLoaded() {
        given().get("/q/health/started").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'engine' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'engine' }.data.engine", startsWith("PyTorch "))
                .body("checks.find { it.name == 'engine' }.data.device", startsWith("cpu"));
    }

    @Test
    void liveWhileRunning() {
        given().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'alive' }.status", equalTo("UP"));
    }

    @Test
    void readyWithModelsVolumeAndWritableStoreWithoutLoadingAnything() {
        int loads = bundles.loadCount();
        for (int i = 0; i < 3; i++) {
            given().get("/q/health/ready").then().statusCode(200)
                    .body("status", equalTo("UP"))
                    .body("checks.find { it.name == 'models-volume' }.status", equalTo("UP"))
                    .body("checks.find { it.name == 'models-volume' }.data.bundles", equalTo(bundles.available().size()))
                    .body("checks.find { it.name == 'work-dir-space' }.status", equalTo("UP"))
                    .body("checks.find { it.name == 'artifact-store' }.status", equalTo("UP"))
                    .body("checks.find { it.name == 'artifact-store' }.data.store", equalTo("local"));
        }
        assertEquals(loads, bundles.loadCount(), "readiness never loads a bundle");
    }

    @Test
    void notReadyWithoutModelsVolume() throws Exception {
        Path dir = bundles.modelsDir();
        Files.createDirectories(dir);
        Path aside = dir.resolveSibling(dir.getFileName() + ".aside");
        Files.move(dir, aside);
        try {
            given().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'models-volume' }.status", equalTo("DOWN"));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            Files.move(aside, dir);
        }
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void notReadyWhileTheArtifactDirectoryIsGone() throws Exception {
        Path dir = ((LocalArtifactStore) store).dir();
        Path aside = dir.resolveSibling(dir.getFileName() + ".aside");
        Files.move(dir, aside);
        try {
            Response r = await(() -> given().get("/q/health/ready"), 503);
            assertEquals("DOWN", r.jsonPath().getString("checks.find { it.name == 'artifact-store' }.status"));
            // the cause is logged; the public answer holds no error text or path
            assertEquals(null, r.jsonPath().getString("checks.find { it.name == 'artifact-store' }.data.error"),
                    r.asString());
            assertFalse(r.asString().contains(dir.toString()), r.asString());
        } finally {
            Files.move(aside, dir);
        }
        await(() -> given().get("/q/health/ready"), 200);
    }

    /**
     * Polls until the status comes (the store check caches its answer for a few seconds).
     */
    public static Response await(Supplier<Response> call, int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Response r = call.get();
        while (r.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(250);
            r = call.get();
        }
        assertEquals(status, r.statusCode(), r.asString());
        return r;
    }
}
