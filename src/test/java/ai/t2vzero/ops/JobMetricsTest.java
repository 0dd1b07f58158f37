package ai.t2vzero.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** {@code /q/metrics} after real jobs: counters by outcome, the duration histogram, model loads, gauges. */
@QuarkusTest
class JobMetricsTest {

    static final String JOB = "{\"prompt\":\"x\",\"videoLength\":2,\"height\":64,\"width\":64,\"numInferenceSteps\":4,"
            + "\"t0\":1,\"t1\":2}";
    static final String MODE = "text-to-video";

    @Test
    void jobsAreCountedAndTimedByOutcome() {
        PrometheusText before = PrometheusText.scrape();
        given().contentType("application/json").body(JOB).post("/text-to-video").then().statusCode(200);
        given().contentType("application/json").body("{\"prompt\":\"x\",\"videoLength\":0}").post("/text-to-video")
                .then().statusCode(400);
        given().contentType("application/json").body("{\"prompt\":\"x\",\"model\":\"no-such-bundle\",\"videoLength\":2}")
                .post("/text-to-video").then().statusCode(400);
        PrometheusText after = PrometheusText.scrape();

        assertEquals(1, delta(before, after, "t2v_jobs_total", "mode", MODE, "outcome", "success"), after.text());
        assertEquals(2, delta(before, after, "t2v_jobs_total", "mode", MODE, "outcome", "invalid"),
                "a request failing validation and one naming an unknown model");
        assertEquals(0, delta(before, after, "t2v_jobs_total", "mode", MODE, "outcome", "error"));
        assertTrue(after.value("t2v_jobs_total", "mode", MODE, "outcome", "unavailable").isPresent(),
                "every outcome exists from the start");
        // validation failures are counted, not timed: the unknown model is a job that ran
        assertEquals(2, delta(before, after, "t2v_job_duration_seconds_count", "mode", MODE));
        assertTrue(delta(before, after, "t2v_job_duration_seconds_sum", "mode", MODE) > 0);
        assertEquals(2, delta(before, after, "t2v_job_duration_seconds_bucket", "mode", MODE, "le", "900.0"),
                "histogram buckets up to 15 min");
        assertTrue(after.value("t2v_job_duration_seconds_bucket", "mode", MODE, "le", "60.0").isPresent());

        assertTrue(after.valueOrZero("t2v_model_load_seconds_count", "bundle", "demo") >= 1, after.text());
        assertTrue(after.valueOrZero("t2v_model_load_seconds_sum", "bundle", "demo") > 0);
        assertTrue(after.valueOrZero("t2v_native_memory_bytes") > 100e6, "libtorch alone is larger");
        assertEquals(0, after.valueOrZero("t2v_jobs_in_flight"));
        assertEquals(0, after.valueOrZero("t2v_jobs_queued"));
        assertTrue(after.value("t2v_jobs_in_flight").isPresent() && after.value("t2v_jobs_queued").isPresent());
    }

    static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
    }
}
