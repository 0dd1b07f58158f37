package ai.t2vzero.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import ai.t2vzero.bundle.BundleRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The start of a shutdown (the event Quarkus fires first on SIGTERM, quarkus.shutdown.delay-enabled=true): a running
 * job and one already waiting for the slot finish with 200, a new job gets 503 + Retry-After, liveness turns DOWN.
 * Its own profile: the app is left shutting down.
 */
@QuarkusTest
@TestProfile(GracefulShutdownTest.Profile.class)
class GracefulShutdownTest {

    /** A separate app instance (it ends up refusing work); one slot, as on Knative. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("t2v.limits.max-concurrent-jobs", "1");
        }
    }

    /** Several seconds of denoising on the demo bundle: long enough to queue another job and shut down meanwhile. */
    static final String SLOW_JOB = "{\"prompt\":\"slow\",\"videoLength\":8,\"height\":64,\"width\":64,"
            + "\"numInferenceSteps\":30,\"t0\":10,\"t1\":20}";
    static final String JOB = "{\"prompt\":\"x\",\"videoLength\":2,\"height\":64,\"width\":64,\"numInferenceSteps\":4,"
            + "\"t0\":1,\"t1\":2}";

    @TestHTTPResource("/text-to-video")
    URL endpoint;

    @Inject
    JobMetrics metrics;

    @Inject
    BundleRegistry bundles;

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdown;

    @Test
    void runningAndQueuedJobsFinishNewOnesGet503() throws Exception {
        bundles.stableDiffusion("demo", "model");   // loaded: the jobs below only generate
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        CompletableFuture<HttpResponse<String>> running = post(http, SLOW_JOB);
        awaitValue("jobs in flight", metrics::inFlight, 1);
        CompletableFuture<HttpResponse<String>> queued = post(http, JOB);
        awaitValue("jobs queued", metrics::queued, 1);
        assertEquals(1, PrometheusText.scrape().valueOrZero("t2v_jobs_in_flight"));
        assertEquals(1, PrometheusText.scrape().valueOrZero("t2v_jobs_queued"));

        shutdown.fire(new ShutdownDelayInitiatedEvent());

        given().contentType("application/json").body(JOB).post("/text-to-video").then()
                .statusCode(503).header("Retry-After", "5")
                .body("error", equalTo("unavailable")).body("message", containsString("shutting down"));
        given().get("/q/health/live").then().statusCode(503)
                .body("checks.find { it.name == 'alive' }.status", equalTo("DOWN"));

        HttpResponse<String> first = running.get(3, TimeUnit.MINUTES);
        HttpResponse<String> second = queued.get(3, TimeUnit.MINUTES);
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.body().contains("\"frames\":8"), first.body());
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(0, metrics.inFlight());
        assertEquals(0, metrics.queued());
    }

    CompletableFuture<HttpResponse<String>> post(HttpClient http, String body) throws Exception {
        return http.sendAsync(HttpRequest.newBuilder(endpoint.toURI()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofMinutes(3)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void awaitValue(String what, IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (value.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, value.getAsInt(), what);
    }

}
