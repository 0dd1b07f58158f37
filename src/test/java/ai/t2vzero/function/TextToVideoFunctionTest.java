package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Every rejected text-to-video request is a 400 JSON naming the field, on plain HTTP and both CloudEvent modes.
 * (Accepted requests and downstream failures: {@link TextToVideoFunctionDelegationTest}.)
 */
@QuarkusTest
class TextToVideoFunctionTest {

    /** body, field, exact message or a fragment of it */
    static final Object[][] INVALID = {
            {"{\"prompt\":\"\"}", "prompt", "prompt must not be blank"},
            {"{\"prompt\":\"  \\t\"}", "prompt", "prompt must not be blank"},
            {"{\"negativePrompt\":\"blurry\"}", "prompt", "prompt must not be blank"},
            {"{\"prompt\":null}", "prompt", "prompt must not be blank"},
            {"{\"prompt\":\"a cat\",\"t0\":47,\"t1\":44}", "t0", "t0 must be < t1 (got t0=47, t1=44)"},
            {"{\"prompt\":\"a cat\",\"t0\":45,\"t1\":45}", "t0", "t0 must be < t1 (got t0=45, t1=45)"},
            {"{\"prompt\":\"a cat\",\"t0\":47}", "t0", "t0 must be < t1 (got t0=47, t1=47)"},
            {"{\"prompt\":\"a cat\",\"t0\":-1}", "t0", "t0 must be >= 0 (got -1)"},
            // explicit t1 keeps index semantics (without t0/t1, 30 steps get derived indices: no error)
            {"{\"prompt\":\"a cat\",\"numInferenceSteps\":30,\"t1\":47}", "t1",
                    "t1 must be < numInferenceSteps (got t1=47, numInferenceSteps=30)"},
            {"{\"prompt\":\"a cat\",\"numInferenceSteps\":1}", "numInferenceSteps",
                    "numInferenceSteps must be >= 2 for text-to-video (t0 < t1 need two timesteps; got 1)"},
            {"{\"prompt\":\"a cat\",\"numInferenceSteps\":60,\"t0\":10,\"t1\":60}", "t1",
                    "t1 must be < numInferenceSteps (got t1=60, numInferenceSteps=60)"},
            {"{\"prompt\":\"a cat\",\"height\":500}", "height", "height must be a multiple of 8 (got 500)"},
            {"{\"prompt\":\"a cat\",\"height\":0}", "height", "height must be > 0 (got 0)"},
            {"{\"prompt\":\"a cat\",\"height\":-64}", "height", "height must be > 0 (got -64)"},
            {"{\"prompt\":\"a cat\",\"height\":1032}", "height", "height must be <= 1024 (got 1032)"},
            {"{\"prompt\":\"a cat\",\"width\":513}", "width", "width must be a multiple of 8 (got 513)"},
            {"{\"prompt\":\"a cat\",\"width\":0}", "width", "width must be > 0 (got 0)"},
            {"{\"prompt\":\"a cat\",\"width\":2048}", "width", "width must be <= 1024 (got 2048)"},
            {"{\"prompt\":\"a cat\",\"videoLength\":0}", "videoLength", "videoLength must be in [1, 64] (got 0)"},
            {"{\"prompt\":\"a cat\",\"videoLength\":65}", "videoLength", "videoLength must be in [1, 64] (got 65)"},
            {"{\"prompt\":\"a cat\",\"numInferenceSteps\":0}", "numInferenceSteps",
                    "numInferenceSteps must be in [1, 150] (got 0)"},
            {"{\"prompt\":\"a cat\",\"numInferenceSteps\":151}", "numInferenceSteps",
                    "numInferenceSteps must be in [1, 150] (got 151)"},
            {"{\"prompt\":\"a cat\",\"guidanceScale\":-0.5}", "guidanceScale", "guidanceScale must be >= 0 (got -0.5)"},
            {"{\"prompt\":\"a cat\",\"guidanceScale\":\"NaN\"}", "guidanceScale", "guidanceScale must be a finite number"},
            {"{\"prompt\":\"a cat\",\"motionFieldStrengthX\":1e400}", "motionFieldStrengthX",
                    "motionFieldStrengthX must be a finite number (got Infinity)"},
            {"{\"prompt\":\"a cat\",\"motionFieldStrengthY\":\"-Infinity\"}", "motionFieldStrengthY",
                    "motionFieldStrengthY must be a finite number (got -Infinity)"},
            {"{\"prompt\":\"a cat\",\"eta\":1.5}", "eta", "eta must be in [0, 1] (got 1.5)"},
            {"{\"prompt\":\"a cat\",\"chunkSize\":1}", "chunkSize", "chunkSize must be >= 2 (got 1)"},
            {"{\"prompt\":\"a cat\",\"scheduler\":\"euler\"}", "scheduler",
                    "scheduler must be one of ddim, pndm, euler-ancestral, dpm-solver++, "
                            + "dpm-solver++-karras (got \"euler\")"},
            {"{\"prompt\":\"a cat\",\"fps\":0}", "fps", "fps must be in [1, 60] (got 0)"},
            {"{\"prompt\":\"a cat\",\"fps\":61}", "fps", "fps must be in [1, 60] (got 61)"},
            {"{\"prompt\":\"a cat\",\"format\":\"webm\"}", "format", "format must be one of mp4, gif (got \"webm\")"},
            {"{\"prompt\":\"a cat\",\"model\":\"../models/demo\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\"..\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\".hidden\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\"a/b\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\"a..b\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\"\"}", "model", "model must be a bundle name"},
            {"{\"prompt\":\"a cat\",\"model\":\"C:\\\\x\"}", "model", "model must be a bundle name"},
    };

    /** body (request JSON, or the data of a structured CE), field named or null, message fragment */
    static final Object[][] UNREADABLE = {
            {"{\"prompt\":\"a cat\",\"videoLength\":\"abc\"}", "videoLength", "videoLength must be an integer"},
            {"{\"prompt\":\"a cat\",\"videoLength\":\"8\"}", "videoLength", "videoLength must be an integer"},
            {"{\"prompt\":\"a cat\",\"videoLength\":8.5}", "videoLength", "videoLength must be an integer"},
            {"{\"prompt\":\"a cat\",\"seed\":\"x\"}", "seed", "seed must be an integer"},
            {"{\"prompt\":\"a cat\",\"seed\":123456789012345678901234567890}", "seed", "seed could not be read: Numeric value"},
            {"{\"prompt\":\"a cat\",\"guidanceScale\":\"high\"}", "guidanceScale", "guidanceScale must be a number"},
            {"{\"prompt\":\"a cat\",\"guidanceScale\":true}", "guidanceScale", "guidanceScale must be a number"},
            {"{\"prompt\":5}", "prompt", "prompt must be a string"},
            {"{\"prompt\":{\"text\":\"a cat\"}}", "prompt", "prompt must be a string"},
            {"{\"prompt\":[\"a cat\"]}", "prompt", "prompt must be a string"},
            {"[\"a cat\"]", null, "could not be read as the function's input: expected a JSON object"},
            {"\"a cat\"", null, "could not be read as the function's input: expected a JSON object"},
    };

    static Stream<Arguments> invalid() {
        List<Arguments> out = new ArrayList<>();
        for (Channel ch : Channel.values()) {
            for (Object[] c : INVALID) {
                out.add(Arguments.of(ch, c[0], c[1], c[2]));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> unreadable() {
        List<Arguments> out = new ArrayList<>();
        for (Channel ch : Channel.values()) {
            for (Object[] c : UNREADABLE) {
                out.add(Arguments.of(ch, c[0], c[1], c[2]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("invalid")
    void invalidFieldIs400NamingIt(Channel channel, String body, String field, String message) {
        channel.post("text-to-video", body)
                .statusCode(400)
                .contentType("application/json")
                .body("error", is("invalid_argument"))
                .body("field", is(field))
                .body("message", containsString(message))
                .body("id", nullValue());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unreadable")
    void wrongJsonTypeIs400(Channel channel, String body, String field, String message) {
        channel.post("text-to-video", body)
                .statusCode(400)
                .contentType("application/json")
                .body("error", is("bad_request"))
                .body("field", is(field))
                .body("message", containsString(message))
                .body("message", not(containsString("`"))); // no Java type names
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void malformedJsonIs400(Channel channel) {
        String truncated = "{\"prompt\":\"a cat\",";
        var response = switch (channel) {
            case PLAIN_HTTP -> given().contentType("application/json").body(truncated).when().post("/text-to-video").then();
            case BINARY_CE -> given().contentType("application/json").header("ce-specversion", "1.0")
                    .header("ce-id", "1").header("ce-source", "/test").header("ce-type", "text-to-video")
                    .body(truncated).when().post("/").then();
            case STRUCTURED_CE -> given().contentType("application/cloudevents+json")
                    .body("{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/t\",\"type\":\"text-to-video\","
                            + "\"datacontenttype\":\"application/json\",\"data\":" + truncated)
                    .when().post("/").then();
        };
        response.statusCode(400)
                .contentType("application/json")
                .body("error", is("bad_request"))
                .body("field", nullValue())
                .body("message", containsString("JSON"));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void missingInputIs400(Channel channel) {
        var response = channel == Channel.STRUCTURED_CE
                ? given().contentType("application/cloudevents+json") // an event without data
                        .body("{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/t\",\"type\":\"text-to-video\","
                                + "\"datacontenttype\":\"application/json\"}")
                        .when().post("/").then()
                : channel.post("text-to-video", "");
        response.statusCode(400)
                .contentType("application/json")
                .body("error", is("bad_request"))
                .body("field", nullValue())
                .body("message", containsString("no input"));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void jsonNullInputIs400(Channel channel) {
        channel.post("text-to-video", "null")
                .statusCode(400)
                .contentType("application/json")
                .body("field", is("prompt"));
    }

    @org.junit.jupiter.api.Test
    void unknownCloudEventTypeIs404Json() {
        Channel.BINARY_CE.post("text-to-video", "image-to-nothing", "{\"prompt\":\"a cat\"}")
                .statusCode(404).contentType("application/json").body("error", equalTo("not_found"));
        Channel.STRUCTURED_CE.post("text-to-video", "image-to-nothing", "{\"prompt\":\"a cat\"}")
                .statusCode(404).contentType("application/json").body("error", equalTo("not_found"));
    }

    @org.junit.jupiter.api.Test
    void unsupportedMediaTypeIsJson() {
        given().contentType("text/plain").body("a cat").when().post("/text-to-video").then()
                .statusCode(406).contentType("application/json").body("error", equalTo("unsupported_media_type"));
    }
}
