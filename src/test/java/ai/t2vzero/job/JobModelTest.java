package ai.t2vzero.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.pipeline.GenerationListener.StagePlan;
import ai.t2vzero.pipeline.GenerationStoppedException;
import ai.t2vzero.pipeline.GenerationStoppedException.Reason;

/** The job model without the app: progress arithmetic, stop requests, deadlines, the queue, retention, signatures. */
class JobModelTest {

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T00:00:00Z"));

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }
    }

    private static Job job(TestClock clock, Duration timeout) {
        return new Job("j-" + System.nanoTime(), "text-to-video", listener -> null, clock.instant(),
                clock.instant().plus(timeout), null, null, () -> false, clock);
    }

    @Test
    void fractionIsUnitsDoneOverPlannedUnitsAndNeverGoesBack() {
        TestClock clock = new TestClock();
        Job job = job(clock, Duration.ofHours(1));
        assertTrue(job.start());
        ProgressTracker t = new ProgressTracker(job);
        // 1 text encoding, 10 denoising steps over 2 chunks, 2 decodes, encode, store: 15 units
        t.onPlan(List.of(new StagePlan("text_encoder", 1), new StagePlan("denoise", 10), new StagePlan("vae_decode", 2),
                new StagePlan("encode", 1), new StagePlan("store", 1)));
        t.onStep("text_encoder", 1, 1);
        assertEquals(1 / 15.0, job.document(null).progress().fraction(), 1e-9);
        for (int s = 1; s <= 5; s++) {
            t.onStep("denoise", s, 10);
        }
        t.onStep("vae_decode", 1, 2);   // chunks interleave: decode of chunk 1 before chunk 2's steps
        assertEquals(7 / 15.0, job.document(null).progress().fraction(), 1e-9);
        assertEquals("vae_decode", job.document(null).progress().stage());
        for (int s = 6; s <= 10; s++) {
            t.onStep("denoise", s, 10);
        }
        t.onStep("denoise", 3, 10);     // a stale report cannot move it back
        assertEquals(12 / 15.0, job.document(null).progress().fraction(), 1e-9);
        t.onStep("vae_decode", 2, 2);
        t.onStep("encode", 1, 1);
        t.onStep("store", 1, 1);
        assertEquals(1.0, job.document(null).progress().fraction(), 1e-9);
    }

    @Test
    void aStopRequestOrThePastDeadlineStopsTheNextStep() {
        TestClock clock = new TestClock();
        Job canceled = job(clock, Duration.ofHours(1));
        canceled.start();
        ProgressTracker t = new ProgressTracker(canceled);
        t.onPlan(List.of(new StagePlan("denoise", 3)));
        t.onStep("denoise", 1, 3);
        assertTrue(canceled.requestStop(Reason.CANCELED));
        GenerationStoppedException e = assertThrows(GenerationStoppedException.class, () -> t.onStep("denoise", 2, 3));
        assertEquals(Reason.CANCELED, e.reason());
        canceled.fail(e, JobErrors.of(canceled, e));
        assertEquals(JobStatus.CANCELED, canceled.status());
        assertFalse(canceled.requestStop(Reason.CANCELED), "a finished job cannot be canceled");

        Job late = job(clock, Duration.ofSeconds(10));
        late.start();
        ProgressTracker l = new ProgressTracker(late);
        l.onPlan(List.of(new StagePlan("denoise", 3)));
        clock.advance(Duration.ofSeconds(11));
        GenerationStoppedException timeout = assertThrows(GenerationStoppedException.class, () -> l.onStep("denoise", 1, 3));
        assertEquals(Reason.TIMEOUT, timeout.reason());
        late.fail(timeout, JobErrors.of(late, timeout));
        assertEquals(JobStatus.FAILED, late.status());
        assertEquals("timeout", late.document(null).error().error());
    }

    @Test
    void theQueueIsBoundedFifoWithPositions() throws InterruptedException {
        TestClock clock = new TestClock();
        JobQueue q = new JobQueue(2);
        Job a = job(clock, Duration.ofHours(1));
        Job b = job(clock, Duration.ofHours(1));
        Job c = job(clock, Duration.ofHours(1));
        assertTrue(q.offer(a));
        assertTrue(q.offer(b));
        assertFalse(q.offer(c), "full");
        assertEquals(1, q.position(a));
        assertEquals(2, q.position(b));
        assertNull(q.position(c));
        assertSame(a, q.take());
        assertEquals(1, q.position(b), "positions count down");
        assertTrue(q.remove(b));
        assertNull(q.poll());
    }

    @Test
    void finishedJobsAndTheirEventKeysAreForgottenAfterTheRetention() {
        TestClock clock = new TestClock();
        InMemoryJobStore store = new InMemoryJobStore(Duration.ofHours(24), clock);
        Job job = job(clock, Duration.ofHours(1));
        store.put(job);
        assertSame(job, store.claim("ce:k", job));
        Job again = job(clock, Duration.ofHours(1));
        assertSame(job, store.claim("ce:k", again), "a redelivery finds the first job");
        job.start();
        job.succeed(null);
        clock.advance(Duration.ofHours(23));
        assertTrue(store.find(job.id()).isPresent());
        clock.advance(Duration.ofHours(2));
        assertTrue(store.find(job.id()).isEmpty(), "404 after the retention");
        assertTrue(store.findByKey("ce:k").isEmpty());
        assertSame(again, store.claim("ce:k", again), "the key is free again");
        assertEquals(1, store.forgetFinishedBefore(clock.instant().minus(Duration.ofHours(24))));
    }

    @Test
    void cloudEventKeysTellSourceAndIdApart() {
        assertFalse(CloudEventOrigin.key("a", "bc").equals(CloudEventOrigin.key("ab", "c")));
    }

    @Test
    void webhookSignatureMatchesTheStandardWebhooksTestVector() {
        // the example of the Standard Webhooks spec and its reference libraries (standard-webhooks/standard-webhooks)
        WebhookSignature s = new WebhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void jobErrorsUseTheApiVocabulary() {
        TestClock clock = new TestClock();
        Job job = job(clock, Duration.ofHours(1));
        ApiError canceled = JobErrors.of(job, new GenerationStoppedException(Reason.CANCELED, "x"));
        assertEquals("canceled", canceled.error());
        ApiError internal = JobErrors.of(job, new IllegalStateException("boom"));
        assertEquals("internal", internal.error());
        assertTrue(internal.id() != null && !internal.message().contains("boom"));
    }
}
