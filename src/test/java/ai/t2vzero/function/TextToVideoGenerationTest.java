package ai.t2vzero.function;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.video.FrameSampling;
import ai.t2vzero.video.VideoFrames;
import ai.t2vzero.video.VideoInfo;
import ai.t2vzero.video.VideoReader;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * text-to-video for real, against the running app with the demo bundle (written on first use): HTTP and both
 * CloudEvent modes -> URL -> download -> decode with FFmpeg -> frames, size, fps and codec are what was asked,
 * the same seed gives the same video, concurrent first requests load a bundle once.
 */
@QuarkusTest
class TextToVideoGenerationTest {

    /** A small, fast job: 3 frames of 64x64, 6 steps (loop0 1 step, loop1 2, loop2 5). */
    static final String JOB = "{\"prompt\":\"a horse galloping on a street\",\"videoLength\":3,\"height\":64,\"width\":64,"
            + "\"numInferenceSteps\":6,\"t0\":2,\"t1\":4,\"seed\":%d,\"fps\":5,\"format\":\"%s\"}";

    @Inject
    BundleRegistry bundles;

    @Test
    void httpCallGivesAnMp4ByUrl() throws IOException {
        Response r = given().contentType("application/json").body(String.format(JOB, 7, "mp4"))
                .post("/text-to-video").then().statusCode(200)
                .body("format", equalTo("mp4")).body("frames", equalTo(3)).body("width", equalTo(64))
                .body("height", equalTo(64)).body("fps", equalTo(5)).body("seed", equalTo(7))
                .body("url", startsWith("http://")).extract().response();
        assertTrue(r.jsonPath().getMap("timings").containsKey("all_frames"), r.asString());
        Path mp4 = download(r.jsonPath().getString("url"), "video/mp4");
        VideoInfo info = new VideoReader(mp4).info();
        assertEquals("h264", info.codec());
        assertEquals(3, info.frameCount());
        assertEquals(64, info.width());
        assertEquals(64, info.height());
        assertEquals(5.0, info.fps(), 1e-6);
        // not a blank or NaN-black video: the random demo weights still give varied pixels
        byte[] first = frames(mp4).frame(0);
        int min = 255;
        int max = 0;
        for (byte b : first) {
            min = Math.min(min, b & 0xFF);
            max = Math.max(max, b & 0xFF);
        }
        assertTrue(max - min > 10, "frame 0 spans only [" + min + ", " + max + "]");
    }

    @Test
    void gifOnRequest() throws IOException {
        String url = given().contentType("application/json").body(String.format(JOB, 8, "gif"))
                .post("/text-to-video").then().statusCode(200).body("format", equalTo("gif"))
                .extract().path("url");
        VideoInfo info = new VideoReader(download(url, "image/gif")).info();
        assertEquals("gif", info.codec());
        assertEquals(3, info.frameCount());
        assertEquals(64, info.width());
    }

    @Test
    void binaryAndStructuredCloudEventsGiveTheSameVideoAsHttp() throws IOException {
        String body = String.format(JOB, 21, "mp4");
        String httpUrl = given().contentType("application/json").body(body).post("/text-to-video")
                .then().statusCode(200).extract().path("url");
        Response binary = given().contentType("application/json")
                .header("ce-specversion", "1.0").header("ce-id", "b-1").header("ce-source", "/test")
                .header("ce-type", "text-to-video").body(body).post("/")
                .then().statusCode(200).header("ce-type", "text-to-video.output")
                .header("ce-source", "text-to-video").extract().response();
        String structuredUrl = given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/test\",\"type\":\"text-to-video\","
                        + "\"datacontenttype\":\"application/json\",\"data\":" + body + "}")
                .post("/").then().statusCode(200).contentType("application/cloudevents+json")
                .body("type", equalTo("text-to-video.output")).body("data.frames", equalTo(3))
                .extract().path("data.url");
        VideoFrames viaHttp = frames(download(httpUrl, "video/mp4"));
        assertSameFrames(viaHttp, frames(download(binary.jsonPath().getString("url"), "video/mp4")));
        assertSameFrames(viaHttp, frames(download(structuredUrl, "video/mp4")));
    }

    @Test
    void unknownModelIsA400NamingTheField() {
        given().contentType("application/json")
                .body("{\"prompt\":\"x\",\"model\":\"no-such-bundle\",\"videoLength\":2}")
                .post("/text-to-video").then().statusCode(400)
                .body("field", equalTo("model")).body("error", equalTo("invalid_argument"));
    }

    @Test
    void concurrentFirstRequestsLoadABundleOnce() throws Exception {
        StableDiffusionModels demo = bundles.stableDiffusion("demo", "model");   // writes the demo if needed
        Path copy = bundles.modelsDir().resolve("demo-copy-" + System.nanoTime());
        copyTree(bundles.modelsDir().resolve("demo"), copy);
        int before = bundles.loadCount();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<StableDiffusionModels>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<StableDiffusionModels> c = () -> bundles.stableDiffusion(copy.getFileName().toString(), "model");
                results.add(pool.submit(c));
            }
            Set<StableDiffusionModels> distinct = new HashSet<>();
            for (Future<StableDiffusionModels> f : results) {
                distinct.add(f.get());
            }
            assertEquals(1, distinct.size(), "all callers get the same loaded bundle");
            assertEquals(before + 1, bundles.loadCount(), "loaded exactly once");
            assertSame(demo, bundles.stableDiffusion("demo", "model"), "cached");
        } finally {
            pool.shutdown();
        }
    }

    private static Path download(String url, String contentType) throws IOException {
        byte[] bytes = given().get(url).then().statusCode(200).contentType(contentType).extract().asByteArray();
        Path f = Files.createTempFile("t2v-test", contentType.equals("image/gif") ? ".gif" : ".mp4");
        Files.write(f, bytes);
        f.toFile().deleteOnExit();
        return f;
    }

    private static VideoFrames frames(Path video) {
        return new VideoReader(video).readFrames(FrameSampling.of(5, 100), 64);
    }

    private static void assertSameFrames(VideoFrames a, VideoFrames b) {
        assertEquals(a.frameCount(), b.frameCount());
        for (int i = 0; i < a.frameCount(); i++) {
            assertArrayEquals(a.frame(i), b.frame(i), "frame " + i + ": same seed, same video");
        }
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
