package ai.t2vzero.job;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.function.GenerationCall;
import ai.t2vzero.function.TextToVideoResponse;
import ai.t2vzero.pipeline.GenerationStoppedException;
import ai.t2vzero.pipeline.GenerationStoppedException.Reason;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One job: what it runs and where it is. Thread-safe: the runner thread moves it on, HTTP threads read it and ask
 * it to stop. A stop request (cancellation, deadline, a synchronous caller gone) is only a flag here; the running
 * generation sees it at its next step through {@link #checkStop()} (called by {@link ProgressTracker}).
 */
public final class Job {

    private final String id;
    private final String function;
    private final Instant createdAt;
    private final Instant deadline;
    private final GenerationCall call;
    private final String webhookUrl;
    private final CloudEventOrigin origin;
    private final BooleanSupplier callerGone;
    private final Clock clock;
    private final CompletableFuture<Job> finished = new CompletableFuture<>();

    private JobStatus status = JobStatus.QUEUED;
    private Instant startedAt;
    private Instant finishedAt;
    private JobProgress progress = JobProgress.NONE;
    private TextToVideoResponse result;
    private ApiError error;
    private RuntimeException failure;
    private Reason stopRequested;
    private Delivery webhook;

    /**
     * @param callerGone true once a synchronous caller has disconnected (always false for asynchronous jobs)
     */
    Job(String id, String function, GenerationCall call, Instant createdAt, Instant deadline, String webhookUrl,
        CloudEventOrigin origin, BooleanSupplier callerGone, Clock clock) {
        this.id = id;
        this.function = function;
        this.call = call;
        this.createdAt = createdAt;
        this.deadline = deadline;
        this.webhookUrl = webhookUrl;
        this.origin = origin;
        this.callerGone = callerGone;
        this.clock = clock;
        this.webhook = webhookUrl == null ? null : Delivery.pending(webhookUrl);
    }

    public String id() {
        return id;
    }

    public String function() {
        return function;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant deadline() {
        return deadline;
    }

    GenerationCall call() {
        return call;
    }

    String webhookUrl() {
        return webhookUrl;
    }

    CloudEventOrigin origin() {
        return origin;
    }

    /** Completes with this job once it has reached a final state. */
    CompletableFuture<Job> finished() {
        return finished;
    }

    synchronized JobStatus status() {
        return status;
    }

    synchronized Instant finishedAt() {
        return finishedAt;
    }

    synchronized TextToVideoResponse result() {
        return result;
    }

    /** The exception a failed or stopped job ended with (what a synchronous caller gets), or null. */
    synchronized RuntimeException failure() {
        return failure;
    }

    /** queued -> running; false when the job is no longer queued (canceled or timed out while queued). */
    synchronized boolean start() {
        if (status != JobStatus.QUEUED) {
            return false;
        }
        status = JobStatus.RUNNING;
        startedAt = clock.instant();
        return true;
    }

    /** Records progress; a fraction below the last one is kept at the last one, so that it never goes back. */
    synchronized void progress(String stage, int step, int steps, double fraction) {
        if (status.finished()) {
            return;
        }
        double f = Math.max(progress.fraction(), Math.min(1.0, fraction));
        Double eta = null;
        if (f > 0 && startedAt != null) {
            double elapsed = (clock.millis() - startedAt.toEpochMilli()) / 1000.0;
            eta = Math.round(elapsed * (1 - f) / f * 10) / 10.0;
        }
        progress = new JobProgress(stage, step, steps, f, eta);
    }

    /**
     * Asks a queued or running job to stop; the first reason wins.
     *
     * @return false when the job had already finished
     */
    synchronized boolean requestStop(Reason reason) {
        if (status.finished()) {
            return false;
        }
        if (stopRequested == null) {
            stopRequested = reason;
        }
        return true;
    }

    /** Throws {@link GenerationStoppedException} when the job was asked to stop or is past its deadline. */
    void checkStop() {
        Reason reason;
        synchronized (this) {
            reason = stopRequested;
        }
        if (reason == null && callerGone.getAsBoolean()) {
            reason = Reason.CANCELED;
        }
        if (reason == null && !clock.instant().isBefore(deadline)) {
            reason = Reason.TIMEOUT;
        }
        if (reason != null) {
            throw stopped(reason);
        }
    }

    GenerationStoppedException stopped(Reason reason) {
        return new GenerationStoppedException(reason, reason == Reason.TIMEOUT
                ? "job " + id + " passed its deadline of " + deadline
                : "job " + id + " was canceled");
    }

    void succeed(TextToVideoResponse response) {
        synchronized (this) {
            if (status.finished()) {
                return;
            }
            status = JobStatus.SUCCEEDED;
            result = response;
            progress = progress.done();
            finishedAt = clock.instant();
        }
        finished.complete(this);
    }

    /** Ends the job failed (or canceled, for a {@link GenerationStoppedException} of reason CANCELED). */
    void fail(RuntimeException cause, ApiError apiError) {
        synchronized (this) {
            if (status.finished()) {
                return;
            }
            boolean canceled = cause instanceof GenerationStoppedException s && s.reason() == Reason.CANCELED;
            status = canceled ? JobStatus.CANCELED : JobStatus.FAILED;
            failure = cause;
            error = apiError;
            finishedAt = clock.instant();
        }
        finished.complete(this);
    }

    synchronized void webhook(Delivery delivery) {
        webhook = delivery;
    }

    synchronized Delivery webhook() {
        return webhook;
    }

    /** A snapshot for clients; {@code queuePosition} from the queue (null when not queued). */
    synchronized JobDocument document(Integer queuePosition) {
        return new JobDocument(id, function, status, status == JobStatus.QUEUED ? queuePosition : null, progress,
                createdAt, startedAt, finishedAt, result, error, webhook);
    }
}
