package ai.t2vzero.function;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** edge-to-video end to end (see {@link VideoModeFunctionTestBase}), plus its own fields: Canny and the ControlNet. */
@QuarkusTest
class EdgeToVideoFunctionTest extends VideoModeFunctionTestBase {

    @Override
    String function() {
        return "edge-to-video";
    }

    @Test
    void cannyEdgesAreTheControlImages() throws IOException {
        TestVideos.Decoded edges = TestVideos.download(url(function(), job(9, "")));
        TestVideos.Decoded raw = TestVideos.download(url(function(), job(9, ",\"extractEdges\":false")));
        TestVideos.Decoded otherThresholds = TestVideos.download(url(function(),
                job(9, ",\"cannyLow\":5,\"cannyHigh\":10")));
        assertTrue(differ(edges, raw), "extracting edges changes the control images, so the video");
        assertTrue(differ(edges, otherThresholds), "other thresholds, other edges, other video");
        assertSameFrames(edges, TestVideos.download(url(function(), job(9, ",\"extractEdges\":true"))));
    }

    @Test
    void cannyThresholdsAreChecked() throws IOException {
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"cannyLow\":200,\"cannyHigh\":100")).statusCode(400)
                .body("field", is("cannyLow")).body("message", containsString("cannyLow must be <= cannyHigh"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"cannyHigh\":256")).statusCode(400).body("field", is("cannyHigh"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"extractEdges\":\"yes\"")).statusCode(400)
                .body("error", is("bad_request")).body("field", is("extractEdges"));
    }

    @Test
    void controlnetIsChecked() throws IOException {
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"controlnet\":\"no-such-controlnet\"")).statusCode(400)
                .body("error", is("invalid_argument")).body("field", is("controlnet"))
                .body("message", containsString("no-such-controlnet"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"controlnetConditioningScale\":-1")).statusCode(400)
                .body("field", is("controlnetConditioningScale"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"eta\":2")).statusCode(400).body("field", is("eta"));
    }
}
