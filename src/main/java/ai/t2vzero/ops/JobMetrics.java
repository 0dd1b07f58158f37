package ai.t2vzero.ops;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import ai.t2vzero.bundle.BundleLoadListener;
import ai.t2vzero.runtime.NativeMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;

/**
 * The service's own meters, exported at {@code /q/metrics} (Prometheus names in brackets):
 * <ul>
 * <li>{@code t2v.jobs} {mode, outcome} [t2v_jobs_total]: requests by outcome: success, invalid (400/413: rejected
 *     by validation, or a value only the job could check such as an unknown model), unavailable (503: no free slot,
 *     shutting down, out of memory), canceled (DELETE /jobs/{id}, or a synchronous caller that disconnected),
 *     timeout (past its deadline) or error (500);
 * <li>{@code t2v.job.duration} {mode} [t2v_job_duration_seconds]: wall time of a job, waiting for a slot and
 *     loading the model included, as a histogram with buckets from 1 s to 15 min;
 * <li>{@code t2v.model.load} {bundle} [t2v_model_load_seconds]: bundle loads (once per bundle and process);
 * <li>{@code t2v.native.memory} [t2v_native_memory_bytes]: resident memory of the process (libtorch allocates
 *     outside the Java heap, which the JVM's own meters miss);
 * <li>{@code t2v.jobs.in.flight} [t2v_jobs_in_flight]: jobs holding a generation slot;
 * <li>{@code t2v.jobs.queued} [t2v_jobs_queued]: requests waiting for a slot.
 * </ul>
 */
@Startup // gauges exist from the first scrape on
@ApplicationScoped
public class JobMetrics implements BundleLoadListener {

    /** How a job ended. */
    public enum Outcome {
        SUCCESS, INVALID, UNAVAILABLE, CANCELED, TIMEOUT, ERROR;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The modes (function names): their counters exist (at 0) before their first job, so that rates work at once. */
    public static final List<String> MODES = List.of("text-to-video", "edge-to-video", "pose-to-video", "video-pix2pix");

    private static final Duration[] DURATION_BUCKETS = {
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(10), Duration.ofMinutes(15)};

    @Inject
    MeterRegistry registry;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();

    @PostConstruct
    void register() {
        Gauge.builder("t2v.jobs.in.flight", inFlight, AtomicInteger::get)
                .description("Jobs holding a generation slot").register(registry);
        Gauge.builder("t2v.jobs.queued", queued, AtomicInteger::get)
                .description("Requests waiting for a generation slot").register(registry);
        Gauge.builder("t2v.native.memory", NativeMemory::residentBytes).baseUnit("bytes")
                .description("Resident memory of the process (VmRSS), libtorch's native allocations included")
                .register(registry);
        for (String mode : MODES) {
            for (Outcome o : Outcome.values()) {
                jobs(mode, o);
            }
            duration(mode);
        }
    }

    /** A request starts waiting for a generation slot. */
    public void enqueued() {
        queued.incrementAndGet();
    }

    /** It got one, or gave up. */
    public void dequeued() {
        queued.decrementAndGet();
    }

    /** A job took a slot. */
    public void started() {
        inFlight.incrementAndGet();
    }

    /** It gave the slot back. */
    public void ended() {
        inFlight.decrementAndGet();
    }

    /** A job of {@code mode} ended with {@code outcome} after {@code nanos}. */
    public void finished(String mode, Outcome outcome, long nanos) {
        jobs(mode, outcome).increment();
        duration(mode).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request of {@code mode} was rejected before it became a job (validation): counted, not timed. */
    public void rejected(String mode) {
        jobs(mode, Outcome.INVALID).increment();
    }

    /** Bundle {@code bundle} was loaded in {@code nanos}. */
    @Override
    public void failed(String bundle) {
        Counter.builder("t2v.model.load.failures").tag("bundle", bundle)
                .description("Failed model bundle loads (500 model_unavailable)").register(registry).increment();
    }

    @Override
    public void loaded(String bundle, long nanos) {
        Timer.builder("t2v.model.load").tag("bundle", bundle).description("Model bundle loads")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int queued() {
        return queued.get();
    }

    private Counter jobs(String mode, Outcome outcome) {
        return Counter.builder("t2v.jobs").tag("mode", mode).tag("outcome", outcome.tag())
                .description("Finished jobs by mode and outcome").register(registry);
    }

    private Timer duration(String mode) {
        return Timer.builder("t2v.job.duration").tag("mode", mode)
                .description("Wall time of a job: waiting for a slot, model load, generation, encoding, upload")
                .serviceLevelObjectives(DURATION_BUCKETS).minimumExpectedValue(Duration.ofMillis(100))
                .maximumExpectedValue(Duration.ofMinutes(15)).register(registry);
    }
}
