package ai.t2vzero.function;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.ApiException;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /config/defaults} against the running app: it lists exactly the fields of each request record, in their
 * order, with the defaults of the running configuration (T2vConfig, JobsConfig), and its bounds agree with the
 * requests' validation: a value one step outside a bound is rejected (FunctionCalls#prepare, what every route runs)
 * naming that very field.
 */
@QuarkusTest
class DefaultsResourceTest {

    /** Function name -> its request record and a minimal valid body. */
    static final Map<String, Class<? extends Record>> REQUESTS = Map.of(
            "text-to-video", TextToVideoRequest.class,
            "edge-to-video", EdgeToVideoRequest.class,
            "pose-to-video", PoseToVideoRequest.class,
            "video-pix2pix", VideoPix2PixRequest.class);

    @Inject
    T2vConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    FunctionCalls calls;

    @Inject
    ai.t2vzero.job.JobsConfig jobs;

    private JsonNode defaults() throws Exception {
        Response r = given().get("/config/defaults").then().statusCode(200)
                .contentType("application/json").extract().response();
        return mapper.readTree(r.asString());
    }

    @Test
    void everyRequestFieldIsListedInRecordOrder() throws Exception {
        JsonNode functions = defaults().get("functions");
        assertEquals(List.of("text-to-video", "edge-to-video", "pose-to-video", "video-pix2pix"),
                iterable(functions.fieldNames()));
        for (Map.Entry<String, Class<? extends Record>> e : REQUESTS.entrySet()) {
            List<String> expected = Arrays.stream(e.getValue().getRecordComponents()).map(RecordComponent::getName).toList();
            List<String> listed = iterable(functions.get(e.getKey()).get("fields").elements()).stream()
                    .map(f -> f.get("name").asText()).toList();
            assertEquals(expected, listed, e.getKey());
        }
    }

    @Test
    void defaultsAreTheConfiguredOnes() {
        T2vConfig.Defaults d = config.defaults();
        given().get("/config/defaults").then().statusCode(200)
                .body(field("text-to-video", "prompt") + ".required", equalTo(true))
                .body(field("text-to-video", "prompt") + ".default", nullValue())
                .body(field("text-to-video", "videoLength") + ".default", equalTo(d.videoLength()))
                .body(field("text-to-video", "videoLength") + ".max", equalTo(config.limits().maxVideoLength()))
                .body(field("text-to-video", "numInferenceSteps") + ".default", equalTo(d.numInferenceSteps()))
                .body(field("text-to-video", "guidanceScale") + ".default", equalTo((float) d.guidanceScale()))
                .body(field("text-to-video", "t0") + ".default", equalTo(d.t0()))
                .body(field("text-to-video", "t1") + ".default", equalTo(d.t1()))
                .body(field("text-to-video", "model") + ".default", equalTo(d.model()))
                .body(field("text-to-video", "scheduler") + ".default", equalTo(d.scheduler()))
                .body(field("text-to-video", "scheduler") + ".options", equalTo(RequestSchema.schedulers()))
                .body(field("text-to-video", "format") + ".options", equalTo(List.of("mp4", "gif")))
                .body(field("text-to-video", "seed") + ".default", nullValue())
                .body(field("text-to-video", "height") + ".multipleOf", equalTo(8))
                .body(field("edge-to-video", "video") + ".required", equalTo(true))
                .body(field("edge-to-video", "video") + ".type", equalTo("video"))
                .body(field("edge-to-video", "numInferenceSteps") + ".default", equalTo(d.edge().numInferenceSteps()))
                .body(field("edge-to-video", "controlnet") + ".default", equalTo(d.edge().controlnet()))
                .body(field("edge-to-video", "extractEdges") + ".default", equalTo(d.edge().extractEdges()))
                .body(field("edge-to-video", "cannyHigh") + ".default", equalTo(d.edge().cannyHigh()))
                .body(field("pose-to-video", "controlnet") + ".default", equalTo(d.pose().controlnet()))
                .body(field("video-pix2pix", "model") + ".default", equalTo(d.pix2pix().model()))
                .body(field("video-pix2pix", "imageGuidanceScale") + ".default",
                        equalTo((float) d.pix2pix().imageGuidanceScale()))
                .body("limits.maxVideoLength", equalTo(config.limits().maxVideoLength()))
                .body("limits.maxSteps", equalTo(config.limits().maxSteps()))
                .body("limits.maxUploadBytes", equalTo(1 << 20)) // %test.t2v.inputs.uploads.max-bytes=1M
                .body("limits.formats", equalTo(List.of("mp4", "gif")))
                .body(field("pose-to-video", "timeoutSeconds") + ".default", equalTo((int) jobs.timeout().toSeconds()))
                .body(field("pose-to-video", "timeoutSeconds") + ".max", equalTo((int) jobs.timeout().toSeconds()))
                .body(field("video-pix2pix", "webhook") + ".default", nullValue());
    }

    /** Every listed bound is the validation's: one step beyond it is a 400 naming the field. */
    @Test
    void boundsAgreeWithValidation() throws Exception {
        JsonNode functions = defaults().get("functions");
        int checked = 0;
        for (Map.Entry<String, Class<? extends Record>> e : REQUESTS.entrySet()) {
            for (JsonNode f : functions.get(e.getKey()).get("fields")) {
                String name = f.get("name").asText();
                boolean integer = f.get("type").asText().equals("integer");
                if (f.has("min")) {
                    double outside = f.get("min").asDouble() - (integer ? 1 : 0.001);
                    assertRejected(e.getKey(), e.getValue(), name, integer, outside);
                    checked++;
                }
                if (f.has("max")) {
                    double outside = f.get("max").asDouble() + (integer ? 1 : 0.001);
                    assertRejected(e.getKey(), e.getValue(), name, integer, outside);
                    checked++;
                }
                if (f.has("multipleOf")) {
                    assertRejected(e.getKey(), e.getValue(), name, true, f.get("multipleOf").asInt() * 2 + 1);
                    checked++;
                }
                if (f.has("options")) {
                    ObjectNode body = minimal(e.getKey()).put(name, "no-such-" + name);
                    assertField(name, () -> resolve(e.getValue(), body));
                    for (JsonNode option : f.get("options")) {
                        resolve(e.getValue(), minimal(e.getKey()).put(name, option.asText())); // accepted
                    }
                    checked++;
                }
                if (f.get("required").asBoolean()) {
                    ObjectNode body = minimal(e.getKey());
                    body.remove(name);
                    assertField(name, () -> resolve(e.getValue(), body));
                    checked++;
                }
            }
        }
        assertTrue(checked > 40, "bounds checked: " + checked);
    }

    /** The defaults as listed make a valid request of each function (the page submits them as they are). */
    @Test
    void listedDefaultsResolve() throws Exception {
        JsonNode functions = defaults().get("functions");
        for (Map.Entry<String, Class<? extends Record>> e : REQUESTS.entrySet()) {
            ObjectNode body = minimal(e.getKey());
            for (JsonNode f : functions.get(e.getKey()).get("fields")) {
                if (!f.get("default").isNull()) {
                    body.set(f.get("name").asText(), f.get("default"));
                }
            }
            assertNotNull(resolve(e.getValue(), body), e.getKey());
        }
    }

    private void assertRejected(String function, Class<? extends Record> type, String name, boolean integer,
                                double value) {
        ObjectNode body = minimal(function);
        if (integer) {
            body.put(name, (long) value);
        } else {
            body.put(name, value);
        }
        assertField(name, () -> resolve(type, body));
    }

    private static void assertField(String name, org.junit.jupiter.api.function.Executable call) {
        ApiException e = assertThrows(ApiException.class, call, name);
        assertEquals(400, e.status(), e.getMessage());
        assertEquals(name, e.field(), e.getMessage());
    }

    private ObjectNode minimal(String function) {
        ObjectNode body = mapper.createObjectNode().put("prompt", "a horse");
        if (!function.equals("text-to-video")) {
            body.put("video", "upload:0123456789abcdef0123456789abcdef");
        }
        return body;
    }

    /** What every route runs on a request: parse, resolve (defaults + validation), the job fields. */
    private Object resolve(Class<? extends Record> type, ObjectNode body) throws Exception {
        String function = REQUESTS.entrySet().stream().filter(e -> e.getValue() == type).findFirst().orElseThrow().getKey();
        return calls.prepare(function, mapper.treeToValue(body, type), "http://localhost");
    }

    private static String field(String function, String name) {
        return "functions.'" + function + "'.fields.find { it.name == '" + name + "' }";
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
