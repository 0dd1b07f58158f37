package ai.t2vzero.job;

import ai.t2vzero.config.JobsConfig;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.function.PreparedCall;
import ai.t2vzero.errors.ServiceUnavailableException;
import ai.t2vzero.function.TextToVideoResponse;
import ai.t2vzero.pipeline.GenerationStoppedException.Reason;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs jobs. Asynchronous jobs wait in a bounded FIFO ({@code t2v.jobs.max-queued}; beyond it 503 + Retry-After) for
 * one of {@code t2v.limits.max-concurrent-jobs} runner threads, which hand them to the generation (whose job slots
 * synchronous calls share). Synchronous calls run on their caller's thread ({@link #runDirect}). Every job has a
 * deadline (t2v.jobs.timeout, or the request's shorter timeoutSeconds): a queued job past it fails at once, a
 * running one at its next step. Cancellation works the same way. When a job ends, {@link JobNotifier} tells its
 * webhook and, for a CloudEvent in sink mode, the sink.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);
    /** Retry-After of a full queue: about one short job. */
    static final Duration QUEUE_FULL_RETRY_AFTER = Duration.ofSeconds(30);

    @Inject
    JobsConfig config;

    @Inject
    T2vConfig t2v;

    @Inject
    JobStore store;

    @Inject
    JobNotifier notifier;

    @Inject
    WebhookSender webhooks;

    @ConfigProperty(name = "quarkus.shutdown.timeout", defaultValue = "30S")
    Duration shutdownTimeout;

    Clock clock = Clock.systemUTC();
    private final Set<Job> running = ConcurrentHashMap.newKeySet();

    private JobQueue queue;
    private final List<Thread> runners = new ArrayList<>();
    private ScheduledExecutorService timers;

    @PostConstruct
    void init() {
        queue = new JobQueue(config.maxQueued());
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "t2v-job-timers");
            t.setDaemon(true);
            return t;
        });
        long sweepMs = Math.max(1000, Math.min(config.retention().toMillis(), 60_000));
        timers.scheduleWithFixedDelay(this::forgetExpired, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
        for (int i = 0; i < t2v.limits().maxConcurrentJobs(); i++) {
            Thread t = new Thread(this::runQueued, "t2v-job-runner-" + i);
            t.setDaemon(true);
            t.start();
            runners.add(t);
        }
    }

    /**
     * Shutdown: queued jobs end failed ({@code unavailable}: their webhook or sink hears of it, so they can be
     * submitted again elsewhere), running ones get up to quarkus.shutdown.timeout to finish. Quarkus' own graceful
     * shutdown only waits for HTTP requests, and an asynchronous job has none.
     */
    void stop(@Observes ShutdownEvent event) {
        for (Job job = queue.poll(); job != null; job = queue.poll()) {
            ServiceUnavailableException e = new ServiceUnavailableException("the service shut down before the job"
                    + " started; submit it again", Duration.ofSeconds(5));
            job.fail(e, JobErrors.of(job, e));
        }
        long end = System.nanoTime() + shutdownTimeout.toNanos();
        for (Job job : List.copyOf(running)) {
            try {
                job.finished().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                LOG.warnf("job %s still running at shutdown: %s", job.id(), e.toString());
            }
        }
        runners.forEach(Thread::interrupt);
        timers.shutdownNow();
    }

    /**
     * Queues an asynchronous job. For a CloudEvent ({@code origin} not null) whose (source, id) already started a
     * job within the retention, that job is returned instead and nothing new runs.
     *
     * @throws ai.t2vzero.errors.InvalidFieldException for a webhook URL the address policy refuses
     * @throws ServiceUnavailableException when the queue is full
     */
    public Job submit(PreparedCall call, CloudEventOrigin origin) {
        webhooks.check(call.webhook());
        Job job = newJob(call, origin, () -> false);
        if (origin == null) {
            admit(job);
            return job;
        }
        synchronized (this) {
            Job first = store.claim(origin.key(), job);
            if (first != job) {
                LOG.infof("CloudEvent %s from %s was accepted before as job %s: no new job", origin.id(),
                        origin.source(), first.id());
                return first;
            }
            try {
                admit(job);
            } catch (RuntimeException e) {
                store.release(origin.key(), job);
                throw e;
            }
            return job;
        }
    }

    /** A job for {@link #runDirect} (not queued; {@code callerGone} cancels it). */
    Job newJob(PreparedCall call, CloudEventOrigin origin, BooleanSupplier callerGone) {
        Instant now = clock.instant();
        return new Job(UUID.randomUUID().toString(), call.function(), call.call(), now, now.plus(call.timeout()),
                call.webhook(), origin, callerGone, clock);
    }

    private void admit(Job job) {
        if (!queue.offer(job)) {
            throw new ServiceUnavailableException("the job queue is full (" + config.maxQueued()
                    + " jobs waiting); retry later", QUEUE_FULL_RETRY_AFTER);
        }
        store.put(job);
        ScheduledFuture<?> deadline = timers.schedule(() -> onDeadline(job),
                Math.max(0, Duration.between(clock.instant(), job.deadline()).toMillis()), TimeUnit.MILLISECONDS);
        job.finished().whenComplete((j, e) -> {
            deadline.cancel(false);
            notifier.onFinished(j);
        });
        LOG.debugf("job %s (%s) queued at position %s", job.id(), job.function(), queue.position(job));
    }

    /** Runs {@code job} on this thread and returns its answer, or throws what it failed with. */
    TextToVideoResponse runDirect(Job job) {
        execute(job);
        RuntimeException failure = job.failure();
        if (failure != null) {
            throw failure;
        }
        return job.result();
    }

    public Optional<Job> find(String id) {
        return store.find(id);
    }

    /** The job a CloudEvent with this (source, id) started within the retention, if any. */
    Optional<Job> find(CloudEventOrigin origin) {
        return store.findByKey(origin.key());
    }

    /** The job as clients see it now. */
    public JobDocument document(Job job) {
        return job.document(queue.position(job));
    }

    /**
     * Cancels {@code job}: a queued job ends canceled at once, a running one at its next step.
     *
     * @return false when the job had already finished
     */
    public boolean cancel(Job job) {
        if (queue.remove(job)) {
            job.fail(job.stopped(Reason.CANCELED), JobErrors.of(job, job.stopped(Reason.CANCELED)));
            return true;
        }
        return job.requestStop(Reason.CANCELED);
    }

    private void onDeadline(Job job) {
        if (queue.remove(job)) {
            job.fail(job.stopped(Reason.TIMEOUT), JobErrors.of(job, job.stopped(Reason.TIMEOUT)));
        } else {
            job.requestStop(Reason.TIMEOUT);
        }
    }

    private void runQueued() {
        while (!Thread.currentThread().isInterrupted()) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            execute(job);
        }
    }

    private void execute(Job job) {
        if (!job.start()) {
            return; // canceled or timed out while queued
        }
        running.add(job);
        try {
            job.checkStop(); // asked to stop between leaving the queue and starting
            TextToVideoResponse response = job.call().run(new ProgressTracker(job));
            job.succeed(response);
            LOG.infof("job %s (%s) succeeded: %s", job.id(), job.function(), response.id());
        } catch (RuntimeException e) {
            job.fail(e, JobErrors.of(job, e));
            LOG.infof("job %s (%s) ended %s: %s", job.id(), job.function(), job.status().json(), e.getMessage());
        } catch (Error e) {
            // keep the runner alive: an Error of one generation (e.g. a stack overflow) must not stop the queue
            IllegalStateException wrapped = new IllegalStateException(e.toString(), e);
            job.fail(wrapped, JobErrors.of(job, e));
        } finally {
            running.remove(job);
        }
    }

    private void forgetExpired() {
        try {
            int n = store.forgetFinishedBefore(clock.instant().minus(config.retention()));
            if (n > 0) {
                LOG.debugf("forgot %d finished jobs", n);
            }
        } catch (RuntimeException e) {
            LOG.warn("forgetting expired jobs failed", e);
        }
    }
}
