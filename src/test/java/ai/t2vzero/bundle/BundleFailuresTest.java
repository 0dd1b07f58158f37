package ai.t2vzero.bundle;

import ai.t2vzero.ops.PrometheusText;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A truncated bundle is the operator's error (500 model_unavailable naming it, one load attempt per backoff, a
 * metric), an unknown one stays the caller's (400, without paths), and with {@code t2v.models.max-resident=1} a second
 * bundle unloads the idle first one.
 */
@QuarkusTest
@TestProfile(BundleFailuresTest.Profile.class)
class BundleFailuresTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("t2v.models.max-resident", "1");
        }
    }

    static final String JOB = "{\"prompt\":\"x\",\"videoLength\":2,\"height\":64,\"width\":64,\"numInferenceSteps\":4,"
            + "\"t0\":1,\"t1\":2,\"seed\":1,\"model\":\"%s\"}";

    @Inject
    BundleRegistry bundles;

    @Test
    void aTruncatedBundleIs500ModelUnavailableTriedOncePerBackoff() throws IOException {
        bundles.stableDiffusion("demo", "model"); // writes the demo
        bundles.release("demo");
        Path broken = bundles.modelsDir().resolve("broken-" + System.nanoTime());
        copyTree(bundles.modelsDir().resolve("demo"), broken);
        Path weights = broken.resolve("unet/diffusion_pytorch_model.safetensors");
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        String name = broken.getFileName().toString();
        int loads = bundles.loadCount();
        for (int i = 0; i < 3; i++) {
            Response r = given().contentType("application/json").body(String.format(JOB, name)).post("/text-to-video");
            assertEquals(500, r.statusCode(), r.asString());
            assertEquals("model_unavailable", r.path("error"));
            assertEquals("model", r.path("field"));
            assertTrue(r.<String>path("message").contains(name), r.asString());
            assertFalse(r.asString().contains(bundles.modelsDir().toString()), r.asString());
        }
        assertEquals(loads, bundles.loadCount());
        assertEquals(1.0, PrometheusText.scrape().valueOrZero("t2v_model_load_failures_total", "bundle", name),
                "one load attempt within the backoff, however many requests");
    }

    @Test
    void anUnknownBundleIsA400WithoutPaths() {
        Response r = given().contentType("application/json").body(String.format(JOB, "no-such-bundle"))
                .post("/text-to-video");
        assertEquals(400, r.statusCode());
        assertEquals("model", r.path("field"));
        assertFalse(r.asString().contains(bundles.modelsDir().toString()), r.asString());
        assertFalse(r.asString().contains(Path.of("").toAbsolutePath().toString()), r.asString());
    }

    @Test
    void aSecondBundleUnloadsTheIdleFirstOne() throws IOException {
        bundles.stableDiffusion("demo", "model");
        bundles.release("demo");
        Path copy = bundles.modelsDir().resolve("demo-lru-" + System.nanoTime());
        copyTree(bundles.modelsDir().resolve("demo"), copy);
        given().contentType("application/json").body(String.format(JOB, "demo")).post("/text-to-video")
                .then().statusCode(200);
        int loads = bundles.loadCount();
        given().contentType("application/json").body(String.format(JOB, copy.getFileName())).post("/text-to-video")
                .then().statusCode(200);
        assertEquals(loads + 1, bundles.loadCount());
        assertEquals(1, bundles.residentCount(), "max-resident=1: demo was unloaded");
        given().contentType("application/json").body(String.format(JOB, "demo")).post("/text-to-video")
                .then().statusCode(200).body("frames", equalTo(2));
        assertEquals(loads + 2, bundles.loadCount(), "demo had to be loaded again");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
