package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoParams.SchedulerName;
import ai.t2vzero.video.VideoFormat;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;

/**
 * A valid text-to-video request reaches {@link VideoJobs} with the defaults merged in and the artifact base URL
 * of the request, on every channel; what VideoJobs throws becomes the right status and JSON.
 */
@QuarkusTest
@TestProfile(TextToVideoFunctionDelegationTest.Profile.class)
class TextToVideoFunctionDelegationTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(RecordingVideoJobs.class);
        }
    }

    @Inject
    RecordingVideoJobs jobs;

    @Test
    void defaultsAreMergedIntoTheParams() {
        Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a horse galloping\",\"seed\":42}")
                .statusCode(200)
                .contentType("application/json")
                .body("seed", is(42))
                .body("frames", is(8))
                .body("width", is(0))     // 0: the bundle's native size, resolved by VideoJobs once it is loaded
                .body("height", is(0))
                .body("fps", is(4))
                .body("format", is("mp4"))
                .body("timings.unet", is(1.5f));
        TextToVideoParams p = jobs.lastParams();
        assertEquals(new TextToVideoParams("a horse galloping", "", "demo", 8, 0, 0, 50, 7.5, 12, 12, 44, 47, 50,
                0.0, 8, 42, SchedulerName.DDIM, VideoFormat.MP4, 4), p);
    }

    @Test
    void requestValuesWin() {
        Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\",\"negativePrompt\":\"blurry\",\"model\":\"sd-1.5\","
                + "\"videoLength\":3,\"height\":64,\"width\":96,\"numInferenceSteps\":10,\"guidanceScale\":1,"
                + "\"motionFieldStrengthX\":-2.5,\"motionFieldStrengthY\":0,\"t0\":2,\"t1\":5,\"eta\":0.5,"
                + "\"chunkSize\":2,\"seed\":-7,\"scheduler\":\"PNDM\",\"fps\":30,\"format\":\"gif\"}")
                .statusCode(200)
                .body("format", is("gif"))
                .body("id", is("0123456789abcdef0123456789abcdef.gif"))
                .body("seed", is(-7));
        assertEquals(new TextToVideoParams("a cat", "blurry", "sd-1.5", 3, 64, 96, 10, 1.0, -2.5, 0.0, 2, 5, 10, 0.5, 2,
                -7, SchedulerName.PNDM, VideoFormat.GIF, 30), jobs.lastParams());
    }

    @Test
    void anotherStepCountWithoutT0T1KeepsTheDefaultsForDerivation() {
        // 20 steps, no t0/t1: the 50-step defaults travel with their step count; the pipeline derives the indices
        Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\",\"numInferenceSteps\":20,"
                + "\"scheduler\":\"dpm-solver++\",\"seed\":1}").statusCode(200);
        TextToVideoParams p = jobs.lastParams();
        assertEquals(20, p.numInferenceSteps());
        assertEquals(50, p.t0t1Steps());
        assertEquals(SchedulerName.DPM_SOLVER_PP, p.scheduler());
        // with the DPM-Solver++ schedule of SD 1.5's config (941, 894, 847, ...): 17/18
        ai.t2vzero.pipeline.TimestepIndices.T0T1 w = p.warpIndices(steps -> {
            double[] t = new double[steps];
            int ratio = 1000 / (steps + 1);
            for (int i = 0; i < steps; i++) {
                t[i] = (steps - i) * ratio + 1; // leading spacing over n + 1 points, steps_offset 1
            }
            return t;
        });
        assertEquals(new ai.t2vzero.pipeline.TimestepIndices.T0T1(17, 18), w);
        // explicit indices keep index semantics
        Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\",\"numInferenceSteps\":20,\"t0\":3,"
                + "\"t1\":9,\"seed\":1}").statusCode(200);
        assertEquals(20, jobs.lastParams().t0t1Steps());
    }

    @Test
    void absentSeedIsDrawnAndEchoed() {
        long seed = Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\"}")
                .statusCode(200).extract().jsonPath().getLong("seed");
        assertEquals(jobs.lastParams().seed(), seed);
        assertTrue(seed >= 0 && seed < (1L << 53), "seed " + seed);
        long other = Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\"}")
                .statusCode(200).extract().jsonPath().getLong("seed");
        assertTrue(seed != other, "two random seeds in a row were equal: " + seed);
    }

    @Test
    void artifactUrlFollowsTheRequestAndForwardedHeaders() {
        String url = Channel.PLAIN_HTTP.post("text-to-video", "{\"prompt\":\"a cat\"}")
                .statusCode(200).extract().jsonPath().getString("url");
        assertTrue(url.matches("http://localhost:\\d+/artifacts/0123456789abcdef0123456789abcdef\\.mp4"), url);

        given().contentType("application/json")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "t2v.example.com, proxy.internal")
                .header("X-Forwarded-Prefix", "/gen")
                .body("{\"prompt\":\"a cat\"}")
                .when().post("/text-to-video").then()
                .statusCode(200)
                .body("url", is("https://t2v.example.com/gen/artifacts/0123456789abcdef0123456789abcdef.mp4"));
        assertEquals("https://t2v.example.com/gen", jobs.lastBaseUrl());

        given().contentType("application/json")
                .header("X-Forwarded-Proto", "http")
                .header("X-Forwarded-Host", "t2v.example.com:9999")
                .header("X-Forwarded-Port", "8443")
                .body("{\"prompt\":\"a cat\"}")
                .when().post("/text-to-video").then().statusCode(200);
        assertEquals("http://t2v.example.com:8443", jobs.lastBaseUrl());

        given().contentType("application/json")
                .header("X-Forwarded-Proto", "javascript")
                .header("X-Forwarded-Host", "evil.example/<script>")
                .body("{\"prompt\":\"a cat\"}")
                .when().post("/text-to-video").then().statusCode(200);
        assertTrue(jobs.lastBaseUrl().matches("http://localhost:\\d+"), "malformed forwarded values are ignored: "
                + jobs.lastBaseUrl());
    }

    @Test
    void binaryCloudEventGetsABinaryOutputEvent() {
        Channel.BINARY_CE.post("text-to-video", "{\"prompt\":\"a cat\",\"seed\":1}")
                .statusCode(200)
                .header("ce-type", "text-to-video.output")
                .header("ce-source", "text-to-video")
                .header("ce-specversion", "1.0")
                .header("ce-id", not(equalTo("test-1")))
                .contentType("application/json")
                .body("seed", is(1))
                .body("url", matchesPattern("http://localhost:\\d+/artifacts/.*\\.mp4"));
    }

    @Test
    void structuredCloudEventGetsAStructuredOutputEvent() {
        Channel.STRUCTURED_CE.post("text-to-video", "{\"prompt\":\"a cat\",\"seed\":2,\"format\":\"gif\"}")
                .statusCode(200)
                .contentType("application/cloudevents+json")
                .body("type", is("text-to-video.output"))
                .body("source", is("text-to-video"))
                .body("specversion", is("1.0"))
                .body("datacontenttype", is("application/json"))
                .body("data.seed", is(2))
                .body("data.format", is("gif"));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void unexpectedFailureIs500WithLoggedId(Channel channel) {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger(ErrorMapping.class.getName());
        logger.addHandler(capture);
        String id;
        try {
            ValidatableResponse r = channel.post("text-to-video", "{\"prompt\":\"boom\"}")
                    .statusCode(500)
                    .contentType("application/json")
                    .body("error", is("internal"))
                    .body("message", is("internal error, see server log with this id"))
                    .body("id", matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))
                    .body(not(containsString("secret internal detail")));
            r.header("ce-type", nullValue());
            id = r.extract().jsonPath().getString("id");
        } finally {
            logger.removeHandler(capture);
        }
        List<LogRecord> withId = records.stream()
                .filter(rec -> (rec instanceof ExtLogRecord e ? e.getFormattedMessage() : rec.getMessage()).contains(id))
                .toList();
        assertEquals(1, withId.size(), "one log record names " + id);
        assertEquals(Level.SEVERE.intValue(), withId.get(0).getLevel().intValue(), "logged at ERROR");
        assertEquals("secret internal detail", withId.get(0).getThrown().getMessage(), "with the stack trace");
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void unavailableIs503WithRetryAfter(Channel channel) {
        channel.post("text-to-video", "{\"prompt\":\"busy\"}")
                .statusCode(503)
                .header("Retry-After", "30")
                .contentType("application/json")
                .body("error", is("unavailable"))
                .body("message", is("all generation slots are busy"));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void tooLargeIs413(Channel channel) {
        channel.post("text-to-video", "{\"prompt\":\"huge\"}")
                .statusCode(413)
                .contentType("application/json")
                .body("error", is("payload_too_large"))
                .body("field", is("videoLength"));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void modelRejectedDownstreamIs400(Channel channel) {
        channel.post("text-to-video", "{\"prompt\":\"no-model\",\"model\":\"sd-9\"}")
                .statusCode(400)
                .contentType("application/json")
                .body("error", is("invalid_argument"))
                .body("field", is("model"))
                .body("message", is("model \"sd-9\" is not installed"));
    }
}
