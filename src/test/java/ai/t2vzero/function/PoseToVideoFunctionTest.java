package ai.t2vzero.function;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** pose-to-video end to end (see {@link VideoModeFunctionTestBase}), plus its own fields. */
@QuarkusTest
class PoseToVideoFunctionTest extends VideoModeFunctionTestBase {

    @Override
    String function() {
        return "pose-to-video";
    }

    @Test
    void theSkeletonVideoConditionsTheResult() throws IOException {
        TestVideos.Decoded a = TestVideos.download(url(function(), job(4, "")));
        TestVideos.Decoded scaled = TestVideos.download(url(function(), job(4, ",\"controlnetConditioningScale\":0")));
        assertTrue(differ(a, scaled), "without the ControlNet's residuals the video changes");
    }

    @Test
    void controlnetIsChecked() throws IOException {
        Channel.BINARY_CE.post(function(), job(1, ",\"controlnet\":\"a/b\"")).statusCode(400).body("field", is("controlnet"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"controlnet\":\"no-such-controlnet\"")).statusCode(400)
                .body("field", is("controlnet"));
    }
}
