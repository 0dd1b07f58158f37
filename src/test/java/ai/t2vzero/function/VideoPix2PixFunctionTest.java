package ai.t2vzero.function;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** video-pix2pix end to end (see {@link VideoModeFunctionTestBase}), plus its own fields. */
@QuarkusTest
class VideoPix2PixFunctionTest extends VideoModeFunctionTestBase {

    @Override
    String function() {
        return "video-pix2pix";
    }

    @Test
    void imageGuidanceChangesTheResult() throws IOException {
        TestVideos.Decoded a = TestVideos.download(url(function(), job(6, ",\"imageGuidanceScale\":1.5")));
        TestVideos.Decoded b = TestVideos.download(url(function(), job(6, ",\"imageGuidanceScale\":3")));
        assertTrue(differ(a, b));
    }

    @Test
    void aTextToImageBundleIsNoPix2PixModel() throws IOException {
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"model\":\"demo\"")).statusCode(400)
                .body("error", is("invalid_argument")).body("field", is("model"))
                .body("message", containsString("not an InstructPix2Pix bundle"));
        Channel.PLAIN_HTTP.post(function(), job(1, ",\"imageGuidanceScale\":-0.5")).statusCode(400)
                .body("field", is("imageGuidanceScale"));
    }
}
