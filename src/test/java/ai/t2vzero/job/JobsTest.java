package ai.t2vzero.job;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.oneOf;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.function.TestVideos;
import ai.t2vzero.ops.PrometheusText;
import jakarta.inject.Inject;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * The job API against the running app (demo bundles, tiny jobs): lifecycle of every function with the same result as
 * the synchronous call, progress and SSE, cancellation of queued and running jobs, deadlines, the bounded queue,
 * webhooks and CloudEvents in sink mode (receiver and sink on loopback: {@link JobsTestProfile}).
 */
@QuarkusTest
@TestProfile(JobsTestProfile.class)
class JobsTest {

    /** 2 frames of 64x64, 3 steps: about a second on 2 cores. */
    static final String SMALL = "{\"prompt\":\"a horse galloping\",\"videoLength\":2,\"height\":64,\"width\":64,"
            + "\"numInferenceSteps\":3,\"t0\":0,\"t1\":1,\"seed\":%d%s}";
    /** 8 frames of 128x128, 150 steps: minutes on 2 cores, so always stopped by the test. */
    static final String LONG = "{\"prompt\":\"a long job\",\"videoLength\":8,\"height\":128,\"width\":128,"
            + "\"numInferenceSteps\":150,\"t0\":140,\"t1\":148,\"seed\":1%s}";
    /** The video modes: 2 frames sampled at 2 fps from the test video, 64 pixels, 2 steps. */
    static final String VIDEO_MODE = "{\"prompt\":\"a robot on a beach\",\"video\":\"%s\",\"videoLength\":2,\"fps\":2,"
            + "\"resolution\":64,\"numInferenceSteps\":2,\"seed\":%d}";

    private final List<String> started = new ArrayList<>();

    @AfterEach
    void cancelLeftovers() {
        for (String id : started) {
            given().delete("/jobs/" + id);
        }
        for (String id : started) {
            awaitJob(id, d -> !d.getString("status").equals("queued") && !d.getString("status").equals("running"),
                    600_000);
        }
    }

    // ---- lifecycle

    @Test
    void textToVideoJobGivesTheSynchronousResult() throws IOException {
        lifecycle("text-to-video", String.format(SMALL, 7, ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge-to-video", "pose-to-video", "video-pix2pix"})
    void videoModeJobGivesTheSynchronousResult(String function) throws IOException {
        lifecycle(function, String.format(VIDEO_MODE, TestVideos.uploadStandard(), 11));
    }

    private void lifecycle(String function, String body) {
        JsonPath sync = given().contentType("application/json").body(body).post("/" + function)
                .then().statusCode(200).extract().jsonPath();
        Response accepted = given().contentType("application/json").body(body).post("/jobs/" + function)
                .then().statusCode(202).header("Location", startsWith("/jobs/"))
                .body("function", equalTo(function)).body("status", is(oneOf("queued", "running")))
                .body("createdAt", notNullValue()).body("statusUrl", startsWith("http://"))
                .body("eventsUrl", startsWith("http://")).extract().response();
        String id = accepted.jsonPath().getString("id");
        assertEquals("/jobs/" + id, accepted.header("Location"));
        JsonPath done = awaitJob(id, d -> d.getString("status").equals("succeeded"), 600_000);
        assertEquals(1.0f, done.getFloat("progress.fraction"));
        assertNotNull(done.getString("startedAt"));
        assertNotNull(done.getString("finishedAt"));
        assertNull(done.get("error"));
        Map<String, Object> result = done.getMap("result");
        for (String field : List.of("format", "frames", "width", "height", "fps", "seed")) {
            assertEquals(sync.get(field).toString(), String.valueOf(result.get(field)), field);
        }
        // the same seed gives the same video, byte for byte
        assertArrayEquals(download(sync.getString("url")), download((String) result.get("url")),
                "job video == synchronous video");
    }

    @Test
    void preferRespondAsyncOnAFunctionRouteQueuesAJob() {
        Response r = given().contentType("application/json").header("Prefer", "respond-async, wait=10")
                .body(String.format(SMALL, 8, "")).post("/text-to-video")
                .then().statusCode(202).header("Preference-Applied", "respond-async")
                .header("Location", startsWith("/jobs/")).body("function", equalTo("text-to-video"))
                .extract().response();
        String id = r.jsonPath().getString("id");
        awaitJob(id, d -> d.getString("status").equals("succeeded"), 600_000);
    }

    @Test
    void badRequestsAreRefusedBeforeAnyJobExists() {
        given().contentType("application/json").body("{\"prompt\":\"\"}").post("/jobs/text-to-video")
                .then().statusCode(400).body("error", equalTo("invalid_argument")).body("field", equalTo("prompt"));
        given().contentType("application/json").body("{\"prompt\":\"a cat\",\"videoLength\":\"x\"}")
                .post("/jobs/text-to-video")
                .then().statusCode(400).body("error", equalTo("bad_request")).body("field", equalTo("videoLength"));
        given().contentType("application/json").body("{\"prompt\":").post("/jobs/text-to-video")
                .then().statusCode(400).body("error", equalTo("bad_request"));
        given().contentType("application/json").body("{\"prompt\":\"a cat\",\"timeoutSeconds\":999999}")
                .post("/jobs/text-to-video")
                .then().statusCode(400).body("field", equalTo("timeoutSeconds"));
        given().contentType("application/json").body("{\"prompt\":\"a cat\",\"webhook\":\"http://10.1.2.3/hook\"}")
                .post("/jobs/text-to-video")
                .then().statusCode(400).body("field", equalTo("webhook"));
        given().contentType("application/json").body("{\"prompt\":\"a cat\",\"webhook\":\"ftp://example.com/\"}")
                .post("/jobs/text-to-video")
                .then().statusCode(400).body("field", equalTo("webhook"));
        given().contentType("application/json").body("{\"prompt\":\"a cat\"}").post("/jobs/image-to-nothing")
                .then().statusCode(404).body("error", equalTo("not_found")).body("field", equalTo("function"));
        given().get("/jobs/" + UUID.randomUUID()).then().statusCode(404).contentType("application/json")
                .body("error", equalTo("not_found"));
        given().get("/jobs/not a uuid%2F..").then().statusCode(404);
        given().delete("/jobs/" + UUID.randomUUID()).then().statusCode(404).body("error", equalTo("not_found"));
        given().get("/jobs/" + UUID.randomUUID() + "/events").then().statusCode(404).body("error", equalTo("not_found"));
        // a synchronous call has no webhook to call
        given().contentType("application/json").body("{\"prompt\":\"a cat\",\"webhook\":\"http://127.0.0.1:9/\"}")
                .post("/text-to-video").then().statusCode(400).body("field", equalTo("webhook"));
    }

    // ---- progress and SSE

    @Test
    void eventsStreamProgressThenTheFinalDocumentAndEnd() {
        // long enough (a few seconds) for progress events between start and end at <= 4 events per second
        String id = submit("text-to-video", "{\"prompt\":\"a horse galloping\",\"videoLength\":2,\"height\":64,"
                + "\"width\":64,\"numInferenceSteps\":80,\"t0\":70,\"t1\":78,\"seed\":9}");
        String stream = given().accept("text/event-stream").get("/jobs/" + id + "/events")
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();
        SseEvents events = SseEvents.parse(stream);
        assertTrue(events.events().size() >= 2, stream);
        assertEquals("succeeded", events.last().name(), stream);
        assertEquals("succeeded", events.last().json().getString("status"));
        assertNotNull(events.last().json().get("result.url"));
        double previous = -1;
        List<String> stages = new ArrayList<>();
        for (SseEvents.Event e : events.events()) {
            if (e != events.last()) {
                assertEquals("progress", e.name(), stream);
            }
            double fraction = e.json().getDouble("progress.fraction");
            assertTrue(fraction >= previous, "fractions never go back: " + stream);
            previous = fraction;
            String stage = e.json().getString("progress.stage");
            if (stage != null && !stages.contains(stage)) {
                stages.add(stage);
            }
        }
        assertEquals(1.0, previous);
        assertTrue(events.events().size() >= 3, "progress between start and end: " + stream);
        assertTrue(stages.size() >= 2, "several stages reported: " + stages);
        // a client that connects late gets the current (final) state at once, and the stream ends
        SseEvents late = SseEvents.parse(given().get("/jobs/" + id + "/events").then().statusCode(200)
                .extract().asString());
        assertEquals(1, late.events().size());
        assertEquals("succeeded", late.last().name());
    }

    // ---- cancellation, deadline, admission

    @Inject
    BundleRegistry bundles;

    /** NDArrays held by the demo bundle's manager: what a run leaves behind there. */
    private int bundleArrays() {
        return bundles.stableDiffusion("demo", "model").manager().getManagedArrays().size();
    }

    @Test
    void cancelQueuedAndRunningJobsThenTheNextJobRuns() {
        int arraysBefore = bundleArrays();
        String running = submit("text-to-video", String.format(LONG, ""));
        awaitJob(running, d -> d.getString("status").equals("running") && d.getFloat("progress.fraction") > 0,
                600_000);
        String queued = submit("text-to-video", String.format(SMALL, 10, ""));
        given().get("/jobs/" + queued).then().body("status", equalTo("queued")).body("queuePosition", equalTo(1));

        given().delete("/jobs/" + queued).then().statusCode(202).body("status", equalTo("canceled"));
        JsonPath q = awaitJob(queued, d -> d.getString("status").equals("canceled"), 5_000);
        assertNull(q.get("startedAt"), "a canceled queued job never starts");
        assertEquals("canceled", q.getString("error.error"));

        given().delete("/jobs/" + running).then().statusCode(202);
        JsonPath r = awaitJob(running, d -> d.getString("status").equals("canceled"), 60_000);
        assertNull(r.get("result"), "a canceled job stores nothing");
        assertTrue(r.getFloat("progress.fraction") < 1);
        given().delete("/jobs/" + running).then().statusCode(409).body("error", equalTo("conflict"));
        assertEquals(arraysBefore, bundleArrays(), "the canceled run freed every array it made");

        // the slot is free again: the next job runs to the end
        String next = submit("text-to-video", String.format(SMALL, 12, ""));
        awaitJob(next, d -> d.getString("status").equals("succeeded"), 600_000);
    }

    @Test
    void aSynchronousCallerThatHangsUpCancelsItsJob() throws Exception {
        int arraysBefore = bundleArrays();
        PrometheusText before = PrometheusText.scrape();
        byte[] body = String.format(LONG, "").getBytes(StandardCharsets.UTF_8);
        try (Socket caller = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = caller.getOutputStream();
            out.write(("POST /text-to-video HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            awaitMetrics(m -> m.valueOrZero("t2v_jobs_in_flight") >= 1, 600_000);   // its job holds the slot
        }                                                                             // and the caller hangs up
        PrometheusText after = awaitMetrics(m -> canceled(m) - canceled(before) >= 1, 120_000);
        assertEquals(0, after.valueOrZero("t2v_jobs_in_flight"), "the slot is free again");
        assertEquals(0, after.valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "error")
                - before.valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "error"),
                "a hang-up is no error of the service");
        assertEquals(arraysBefore, bundleArrays(), "the stopped run freed every array it made");
        String next = submit("text-to-video", String.format(SMALL, 16, ""));
        awaitJob(next, d -> d.getString("status").equals("succeeded"), 600_000);
    }

    private static double canceled(PrometheusText m) {
        return m.valueOrZero("t2v_jobs_total", "mode", "text-to-video", "outcome", "canceled");
    }

    private static PrometheusText awaitMetrics(Predicate<PrometheusText> done, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        PrometheusText m = PrometheusText.scrape();
        while (!done.test(m)) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("metrics did not get there in " + millis + " ms:\n" + m.text());
            }
            Thread.sleep(100);
            m = PrometheusText.scrape();
        }
        return m;
    }

    @Test
    void aJobPastItsDeadlineFailsWithTimeout() {
        String id = submit("text-to-video", String.format(LONG, ",\"timeoutSeconds\":2"));
        JsonPath d = awaitJob(id, j -> j.getString("status").equals("failed"), 600_000);
        assertEquals("timeout", d.getString("error.error"));
        assertNull(d.get("result"));
        // the synchronous route has the same deadline
        given().contentType("application/json").body(String.format(LONG, ",\"timeoutSeconds\":2"))
                .post("/text-to-video").then().statusCode(504).body("error", equalTo("timeout"));
    }

    @Test
    void aFullQueueIs503WithRetryAfterAndPositionsCountDown() {
        String running = submit("text-to-video", String.format(LONG, ""));
        awaitJob(running, d -> d.getString("status").equals("running"), 600_000);
        String first = submit("text-to-video", String.format(SMALL, 13, ""));
        String second = submit("text-to-video", String.format(SMALL, 14, ""));
        given().get("/jobs/" + first).then().body("queuePosition", equalTo(1));
        given().get("/jobs/" + second).then().body("queuePosition", equalTo(2));
        given().contentType("application/json").body(String.format(SMALL, 15, "")).post("/jobs/text-to-video")
                .then().statusCode(503).header("Retry-After", notNullValue()).body("error", equalTo("unavailable"));
        given().delete("/jobs/" + first).then().statusCode(202);
        given().get("/jobs/" + second).then().body("status", equalTo("queued")).body("queuePosition", equalTo(1));
    }

    // ---- webhooks

    @Test
    void webhookIsSignedAndRetriedAfterA500() throws Exception {
        LoopbackReceiver receiver = JobsTestProfile.receiver;
        receiver.script("/hook", 500);
        String id = submit("text-to-video", String.format(SMALL, 16, ",\"webhook\":\"" + receiver.url("/hook") + "\""));
        List<LoopbackReceiver.Received> calls = receiver.await("/hook", 2, 600_000);
        assertEquals(2, calls.size(), "one failed attempt, one delivery");
        LoopbackReceiver.Received delivered = calls.get(1);
        String msgId = delivered.header("webhook-id");
        String timestamp = delivered.header("webhook-timestamp");
        assertEquals(calls.get(0).header("webhook-id"), msgId, "a retry is the same message");
        assertTrue(Math.abs(Long.parseLong(timestamp) - System.currentTimeMillis() / 1000) < 300);
        // Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, id.timestamp.body))
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(
                JobsTestProfile.SECRET.substring("whsec_".length())), "HmacSHA256"));
        byte[] signed = (msgId + "." + timestamp + "." + new String(delivered.body(), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("v1," + java.util.Base64.getEncoder().encodeToString(mac.doFinal(signed)),
                delivered.header("webhook-signature"));
        JsonPath body = JsonPath.from(new String(delivered.body(), StandardCharsets.UTF_8));
        assertEquals(id, body.getString("id"));
        assertEquals("succeeded", body.getString("status"));
        assertNotNull(body.getString("result.url"));
        JsonPath doc = awaitJob(id, d -> "delivered".equals(d.getString("webhook.status")), 10_000);
        assertEquals(2, doc.getInt("webhook.attempts"));
    }

    // ---- CloudEvents in sink mode

    @Test
    void sinkModeAcceptsAtOnceAndSendsTheOutcomeToTheSinkOncePerEvent() throws Exception {
        LoopbackReceiver receiver = JobsTestProfile.receiver;
        String eventId = "evt-" + UUID.randomUUID();
        Response first = binaryEvent(eventId, String.format(SMALL, 17, ""));
        first.then().statusCode(202).header("ce-id", nullValue()).header("Location", startsWith("/jobs/"));
        String jobId = first.header("Location").substring("/jobs/".length());
        // a redelivery (same source and id) starts nothing and is answered the same way
        binaryEvent(eventId, String.format(SMALL, 17, "")).then().statusCode(202)
                .header("Location", equalTo("/jobs/" + jobId));
        JsonPath job = awaitJob(jobId, d -> d.getString("status").equals("succeeded"), 600_000);

        LoopbackReceiver.Received out = awaitSinkEvent(receiver, eventId);
        assertEquals("1.0", out.header("ce-specversion"));
        assertEquals("text-to-video.output", out.header("ce-type"));
        assertEquals("text-to-video", out.header("ce-source"));
        assertEquals(jobId, out.header("ce-subject"));
        assertEquals(jobId, out.header("ce-t2vjobid"));
        assertNotNull(out.header("ce-id"));
        JsonPath data = JsonPath.from(new String(out.body(), StandardCharsets.UTF_8));
        assertEquals(job.getString("result.url"), data.getString("url"));
        // redelivered after the job ended: still no second job
        binaryEvent(eventId, String.format(SMALL, 17, "")).then().statusCode(202)
                .header("Location", equalTo("/jobs/" + jobId));
        Thread.sleep(500);
        assertEquals(1, receiver.on("/sink").stream().filter(r -> eventId.equals(r.header("ce-t2vcause"))).count());

        // structured mode, and a failure: <function>.failed with the error
        String structuredId = "evt-" + UUID.randomUUID();
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"" + structuredId + "\",\"source\":\"/jobs-test\","
                        + "\"type\":\"text-to-video\",\"data\":" + String.format(LONG, ",\"timeoutSeconds\":1") + "}")
                .post("/").then().statusCode(202);
        LoopbackReceiver.Received failed = awaitSinkEvent(receiver, structuredId);
        assertEquals("text-to-video.failed", failed.header("ce-type"));
        assertEquals("timeout", JsonPath.from(new String(failed.body(), StandardCharsets.UTF_8)).getString("error"));
    }

    @Test
    void cloudEventsMissingARequiredAttributeAre400() {
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "x-1")
                .header("ce-type", "text-to-video").body(String.format(SMALL, 1, "")).post("/")
                .then().statusCode(400).contentType("application/json").body("field", equalTo("source"));
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-source", "/t")
                .header("ce-type", "text-to-video").header("ce-id", "").body(String.format(SMALL, 1, "")).post("/")
                .then().statusCode(400).body("field", equalTo("id"));
        given().contentType("application/json").header("ce-specversion", "0.3").header("ce-id", "x-2")
                .header("ce-source", "/t").header("ce-type", "text-to-video").body(String.format(SMALL, 1, ""))
                .post("/").then().statusCode(400).body("field", equalTo("specversion"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"source\":\"/t\",\"type\":\"text-to-video\",\"data\":{}}")
                .post("/").then().statusCode(400).body("field", equalTo("id"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"x-3\",\"source\":\"/t\",\"data\":{}}")
                .post("/").then().statusCode(400).body("field", equalTo("type"));
        // sink mode validates the data as the function's request before accepting
        given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", "x-4")
                .header("ce-source", "/t").header("ce-type", "text-to-video").body("{\"prompt\":\"\"}").post("/")
                .then().statusCode(400).body("field", equalTo("prompt"));
    }

    // ---- helpers

    private Response binaryEvent(String id, String data) {
        return given().contentType("application/json").header("ce-specversion", "1.0").header("ce-id", id)
                .header("ce-source", "/jobs-test").header("ce-type", "text-to-video").body(data).post("/");
    }

    private static LoopbackReceiver.Received awaitSinkEvent(LoopbackReceiver receiver, String cause)
            throws InterruptedException {
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            for (LoopbackReceiver.Received r : receiver.on("/sink")) {
                if (cause.equals(r.header("ce-t2vcause"))) {
                    return r;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no sink event caused by " + cause + ": " + receiver.on("/sink"));
    }

    private String submit(String function, String body) {
        String id = given().contentType("application/json").body(body).post("/jobs/" + function)
                .then().statusCode(202).extract().path("id");
        started.add(id);
        return id;
    }

    private static JsonPath awaitJob(String id, Predicate<JsonPath> done, long millis) {
        long end = System.currentTimeMillis() + millis;
        JsonPath d = null;
        while (System.currentTimeMillis() < end) {
            d = given().get("/jobs/" + id).then().statusCode(200).extract().jsonPath();
            if (done.test(d)) {
                return d;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("job " + id + " did not get there in " + millis + " ms: " + (d == null ? null : d.prettify()));
    }

    private static byte[] download(String url) {
        return given().get(url).then().statusCode(200).extract().asByteArray();
    }
}
