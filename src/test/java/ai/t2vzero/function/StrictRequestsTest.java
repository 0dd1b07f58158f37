package ai.t2vzero.function;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Requests are read strictly: unknown fields and repeated keys are 400 naming the field (over plain HTTP and both
 * CloudEvent modes), functions answer 405 to GET (no invocation from query parameters), and prompts past
 * {@code t2v.limits.max-prompt-chars} are 400 naming the field before anything is tokenized.
 */
@QuarkusTest
class StrictRequestsTest {

    @Test
    void anUnknownFieldIsA400NamingIt() {
        given().contentType("application/json").body("{\"prompt\":\"x\",\"num_inference_steps\":50}")
                .post("/text-to-video").then().statusCode(400)
                .body("error", equalTo("bad_request")).body("field", equalTo("num_inference_steps"))
                .body("message", containsString("numInferenceSteps"));
        given().contentType("application/json").body("{\"prompt\":\"x\",\"video\":\"upload:x\",\"cannyLo\":3}")
                .post("/edge-to-video").then().statusCode(400).body("field", equalTo("cannyLo"));
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "1")
                .header("ce-source", "/t").header("ce-type", "text-to-video")
                .body("{\"prompt\":\"x\",\"seeed\":1}").post("/")
                .then().statusCode(400).body("field", equalTo("seeed"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/t\",\"type\":\"text-to-video\","
                        + "\"datacontenttype\":\"application/json\",\"data\":{\"prompt\":\"x\",\"guidance\":3}}")
                .post("/").then().statusCode(400).body("field", equalTo("guidance"));
    }

    @Test
    void aRepeatedKeyIsA400NamingIt() {
        given().contentType("application/json").body("{\"prompt\":\"x\",\"videoLength\":2,\"videoLength\":64}")
                .post("/text-to-video").then().statusCode(400)
                .body("error", equalTo("bad_request")).body("field", equalTo("videoLength"));
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "1")
                .header("ce-source", "/t").header("ce-type", "text-to-video")
                .body("{\"prompt\":\"x\",\"prompt\":\"y\"}").post("/")
                .then().statusCode(400).body("field", equalTo("prompt"));
    }

    @Test
    void functionsAnswer405ToGet() {
        for (String fn : new String[] {"text-to-video", "edge-to-video", "pose-to-video", "video-pix2pix"}) {
            given().get("/" + fn + "?prompt=x&numInferenceSteps=1").then().statusCode(405)
                    .header("Allow", "POST").body("error", equalTo("method_not_allowed"));
            given().head("/" + fn + "?prompt=x").then().statusCode(405);
        }
        given().header("ce-specversion", "1.0").header("ce-id", "1").header("ce-source", "/t")
                .header("ce-type", "text-to-video").queryParam("prompt", "x").get("/").then().statusCode(405);
    }

    @Test
    void promptsPastTheLimitAre400BeforeTokenizing() {
        String megabyte = "a cat ".repeat(180_000);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> given().contentType("application/json")
                .body("{\"prompt\":\"" + megabyte + "\"}").post("/text-to-video").then().statusCode(400)
                .body("field", equalTo("prompt")).body("message", containsString("4000")));
        given().contentType("application/json")
                .body("{\"prompt\":\"x\",\"negativePrompt\":\"" + "b".repeat(4001) + "\"}").post("/text-to-video")
                .then().statusCode(400).body("field", equalTo("negativePrompt"));
        given().contentType("application/json")
                .body("{\"prompt\":\"" + "c".repeat(4001) + "\",\"video\":\"upload:" + "0".repeat(32) + "\"}")
                .post("/pose-to-video").then().statusCode(400).body("field", equalTo("prompt"));
    }
}
