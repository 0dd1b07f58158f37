package ai.t2vzero.function;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.video.FrameSampling;
import ai.t2vzero.video.VideoFrames;
import ai.t2vzero.video.VideoReader;
import ai.t2vzero.weights.CheckpointFixtures;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code "model": "<file>.safetensors"}: a single-file SD 1.x checkpoint on the models volume (the micro checkpoint
 * made by diffusers' conversion script, with its micro.config/ beside it) serves requests, loaded once; it gives
 * the same video as the diffusers bundle it was converted from (same tokenizer and scheduler: the default
 * bundle's). A hostile or truncated file on the volume is the operator's error, as a broken folder is: 500
 * model_unavailable naming the model (the reason in the log), and a hostile pickle's payload never runs.
 */
@QuarkusTest
class SingleFileModelFunctionTest {

    static final String JOB = "{\"prompt\":\"a horse galloping on a street\",\"model\":\"%s\",\"videoLength\":2,"
            + "\"height\":64,\"width\":64,\"numInferenceSteps\":4,\"t0\":1,\"t1\":2,\"seed\":5,\"fps\":4}";
    static final Path MARKER = Path.of("/tmp/t2vzero-pickle-rce-marker");

    @Inject
    BundleRegistry bundles;

    @BeforeEach
    void placeCheckpoints() throws IOException {
        Path models = Files.createDirectories(bundles.modelsDir());
        Path src = CheckpointFixtures.dir();
        Files.copy(src.resolve("micro.safetensors"), models.resolve("micro.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        copyTree(src.resolve("micro.config"), models.resolve("micro.config"));
        Files.copy(src.resolve("hostile/os-system.pt"), models.resolve("evil.ckpt"), StandardCopyOption.REPLACE_EXISTING);
        // the bundle the file was converted from, completed with the default bundle's tokenizer and scheduler
        bundles.stableDiffusion("demo", "model");                                    // writes the demo if needed
        bundles.release("demo");                                  // not held: other tests' bundles may need its place
        Path bundle = models.resolve("micro-bundle");
        copyTree(CheckpointFixtures.microBundle(), bundle);
        copyTree(models.resolve("demo/tokenizer"), bundle.resolve("tokenizer"));
        copyTree(models.resolve("demo/scheduler"), bundle.resolve("scheduler"));
    }

    @Test
    void singleFileServesRequestsLikeItsBundle() throws IOException {
        String fileUrl = given().contentType("application/json").body(String.format(JOB, "micro.safetensors"))
                .post("/text-to-video").then().statusCode(200).body("frames", equalTo(2)).extract().path("url");
        String bundleUrl = given().contentType("application/json").body(String.format(JOB, "micro-bundle"))
                .post("/text-to-video").then().statusCode(200).extract().path("url");
        VideoFrames a = frames(download(fileUrl));
        VideoFrames b = frames(download(bundleUrl));
        assertEquals(2, a.frameCount());
        for (int i = 0; i < a.frameCount(); i++) {
            assertArrayEquals(b.frame(i), a.frame(i), "frame " + i + ": single file and bundle give the same video");
        }
        // cached like a bundle, with the micro architecture from micro.config/ (the requests above may already have
        // lost it to t2v.models.max-resident, while other test classes' jobs hold their bundles: count from here)
        StableDiffusionModels m = bundles.stableDiffusion("micro.safetensors", "model");
        int loads = bundles.loadCount();
        try {
            assertSame(m, bundles.stableDiffusion("micro.safetensors", "model"));
            bundles.release("micro.safetensors");
            assertEquals(loads, bundles.loadCount());
            assertEquals(List.of(4, 8, 8, 8), m.unet().config().blockOutChannels());
        } finally {
            bundles.release("micro.safetensors");
        }
    }

    @Test
    void hostileCheckpointIs500ModelUnavailableAndNeverRuns() throws IOException {
        Files.deleteIfExists(MARKER);
        given().contentType("application/json").body(String.format(JOB, "evil.ckpt"))
                .post("/text-to-video").then().statusCode(500).body("error", equalTo("model_unavailable"))
                .body("field", equalTo("model")).body("message", containsString("evil.ckpt"));
        assertFalse(Files.exists(MARKER), "the pickle's os.system payload ran");
    }

    @Test
    void truncatedCheckpointIs500ModelUnavailableLikeABrokenFolder() throws IOException {
        Path file = bundles.modelsDir().resolve("truncated-" + System.nanoTime() + ".safetensors");
        Files.copy(CheckpointFixtures.dir().resolve("micro.safetensors"), file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        String name = file.getFileName().toString();
        for (int i = 0; i < 2; i++) { // the second answer comes from the backoff, the same shape
            given().contentType("application/json").body(String.format(JOB, name))
                    .post("/text-to-video").then().statusCode(500).body("error", equalTo("model_unavailable"))
                    .body("field", equalTo("model")).body("message", containsString(name))
                    .body("message", not(containsString(bundles.modelsDir().toString())));
        }
    }

    @Test
    void missingFileIsA400ListingTheSingleFiles() {
        given().contentType("application/json").body(String.format(JOB, "absent.safetensors"))
                .post("/text-to-video").then().statusCode(400).body("field", equalTo("model"))
                .body("message", containsString("micro.safetensors"));
    }

    private static Path download(String url) throws IOException {
        byte[] bytes = given().get(url).then().statusCode(200).extract().asByteArray();
        Path f = Files.createTempFile("t2v-single-file", ".mp4");
        Files.write(f, bytes);
        f.toFile().deleteOnExit();
        return f;
    }

    private static VideoFrames frames(Path video) {
        return new VideoReader(video).readFrames(FrameSampling.of(4, 100), 64);
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
