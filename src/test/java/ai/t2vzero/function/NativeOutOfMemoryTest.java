package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.ops.HealthChecksTest;
import ai.t2vzero.ops.PrometheusText;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * libtorch running out of memory in the middle of a job (a real failed allocation, see {@link FailingAllocationGuard})
 * gives 503 + Retry-After, counts as "unavailable", and the next job works. The profile also preloads the default
 * bundle, so /q/health/started waits for it.
 */
@QuarkusTest
@TestProfile(NativeOutOfMemoryTest.Profile.class)
class NativeOutOfMemoryTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FailingAllocationGuard.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("t2v.models.preload", "true");
        }
    }

    static final String JOB = "{\"prompt\":\"x\",\"videoLength\":2,\"height\":64,\"width\":64,\"numInferenceSteps\":4,"
            + "\"t0\":1,\"t1\":2}";

    @Inject
    FailingAllocationGuard guard;

    @Inject
    BundleRegistry bundles;

    @Test
    void startedWaitsForThePreloadedBundle() throws Exception {
        Response started = HealthChecksTest.await(() -> given().get("/q/health/started"), 200);
        assertEquals("demo", started.jsonPath().getString("checks.find { it.name == 'engine' }.data.preloaded"));
        assertEquals(1, bundles.loadCount(), "loaded by the preload, before any request");
        assertEquals(1.0, PrometheusText.scrape().valueOrZero("t2v_model_load_seconds_count", "bundle", "demo"));
    }

    @Test
    void outOfMemoryIsA503AndTheNextJobWorks() throws Exception {
        HealthChecksTest.await(() -> given().get("/q/health/started"), 200);
        given().contentType("application/json").body(JOB).post("/text-to-video").then().statusCode(200);
        double unavailable = unavailable();

        guard.failNext(1);
        given().contentType("application/json").body(JOB).post("/text-to-video").then()
                .statusCode(503).header("Retry-After", "30")
                .body("error", equalTo("unavailable")).body("message", containsString("out of memory"));
        assertEquals(0, guard.pendingFailures());
        assertEquals(unavailable + 1, unavailable());

        String url = given().contentType("application/json").body(JOB).post("/text-to-video").then()
                .statusCode(200).body("frames", equalTo(2)).extract().path("url");
        given().get(url.substring(url.indexOf("/artifacts/"))).then().statusCode(200).contentType("video/mp4");
        assertEquals(0, TextToVideoS3Test.leftoverTempFiles().size());
    }

    static double unavailable() {
        return PrometheusText.scrape().valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "unavailable");
    }
}
