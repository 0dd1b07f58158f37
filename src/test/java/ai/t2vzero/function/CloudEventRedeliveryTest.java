package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Reply mode (no sink): a redelivered CloudEvent (same source and id) starts no second generation and gets the same
 * answer (the same stored video); a new id is a new job.
 */
@QuarkusTest
class CloudEventRedeliveryTest {

    static final String JOB = "{\"prompt\":\"a horse galloping\",\"videoLength\":2,\"height\":64,\"width\":64,"
            + "\"numInferenceSteps\":3,\"t0\":0,\"t1\":1,\"seed\":3}";

    private static Response event(String id) {
        return given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", id)
                .header("ce-source", "/redelivery-test").header("ce-type", "text-to-video").body(JOB).post("/");
    }

    @Test
    void aRedeliveredEventGetsTheFirstAnswerWithoutANewJob() {
        String id = "redelivered-" + UUID.randomUUID();
        String first = event(id).then().statusCode(200).header("ce-type", equalTo("text-to-video.output"))
                .extract().path("id");
        String again = event(id).then().statusCode(200).header("ce-type", equalTo("text-to-video.output"))
                .extract().path("id");
        assertEquals(first, again, "the same artifact: no second generation");
        String other = event("other-" + UUID.randomUUID()).then().statusCode(200).extract().path("id");
        assertNotEquals(first, other, "another event is another job");
    }

    @Test
    void aCloudEventMissingAnAttributeIs400InReplyModeToo() {
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "x")
                .header("ce-type", "text-to-video").body(JOB).post("/")
                .then().statusCode(400).body("error", equalTo("bad_request")).body("field", equalTo("source"));
    }
}
