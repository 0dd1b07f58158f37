package ai.t2vzero.function;

import static io.restassured.RestAssured.given;

import java.util.UUID;

import io.restassured.response.ValidatableResponse;

/**
 * The three ways a function is called: plain HTTP, binary CloudEvent, structured CloudEvent. Every event gets an id of
 * its own: a (source, id) seen before is a redelivery, answered as the first one was.
 */
enum Channel {
    PLAIN_HTTP,
    BINARY_CE,
    STRUCTURED_CE;

    /** POSTs {@code json} (the request body, or the event's data) to {@code function} over this channel. */
    ValidatableResponse post(String function, String json) {
        return post(function, function, json);
    }

    /** As {@link #post(String, String)}, with an explicit CloudEvent type. */
    ValidatableResponse post(String function, String ceType, String json) {
        return switch (this) {
            case PLAIN_HTTP -> given().contentType("application/json").body(json)
                    .when().post("/" + function).then();
            case BINARY_CE -> given().contentType("application/json")
                    .header("ce-specversion", "1.0")
                    .header("ce-id", "test-1-" + UUID.randomUUID())
                    .header("ce-source", "/test")
                    .header("ce-type", ceType)
                    .body(json)
                    .when().post("/").then();
            case STRUCTURED_CE -> given().contentType("application/cloudevents+json")
                    .body("{\"specversion\":\"1.0\",\"id\":\"test-2-" + UUID.randomUUID() + "\",\"source\":\"/test\",\"type\":\"" + ceType + "\","
                            + "\"datacontenttype\":\"application/json\",\"data\":" + json + "}")
                    .when().post("/").then();
        };
    }
}
