package ai.t2vzero.web;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The page's static files are served on GET while POST / stays Funqy's CloudEvent entry (binary and structured) and the
 * default function's plain-HTTP entry: a GET / for the page must not take any of those over.
 */
@QuarkusTest
class WebPageRoutesTest {

    @Test
    void getRootServesThePage() {
        given().get("/").then().statusCode(200)
                .contentType(startsWith("text/html"))
                .body(containsString("<script type=\"module\" src=\"app.js\"></script>"))
                .body(containsString("id=\"forms\""));
        given().get("/app.js").then().statusCode(200).contentType(containsString("javascript"))
                .body(containsString("/config/defaults"));
        given().get("/app.css").then().statusCode(200).contentType(startsWith("text/css"));
    }

    @Test
    void onlyTheRootItselfIsThePage() {
        // paths that normalize to "/" are not the page (ArtifactRoutesTest: traversal attempts are 404)
        given().urlEncodingEnabled(false).get("/artifacts/%2e%2e").then().statusCode(404);
        given().urlEncodingEnabled(false).get("/artifacts/../").then().statusCode(404);
        given().head("/").then().statusCode(200);
    }

    @Test
    void postRootIsStillFunqy() {
        // binary CloudEvent with a bad field: answered by the function's validation, not by the static handler
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "web-1")
                .header("ce-source", "/test").header("ce-type", "text-to-video")
                .body("{\"prompt\":\"x\",\"videoLength\":0}")
                .post("/").then().statusCode(400)
                .body("error", equalTo("invalid_argument")).body("field", equalTo("videoLength"));
        // structured CloudEvent
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"web-2\",\"source\":\"/test\",\"type\":\"text-to-video\","
                        + "\"datacontenttype\":\"application/json\",\"data\":{\"prompt\":\" \"}}")
                .post("/").then().statusCode(400).body("field", equalTo("prompt"));
    }
}
