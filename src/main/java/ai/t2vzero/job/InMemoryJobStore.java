package ai.t2vzero.job;

import ai.t2vzero.config.JobsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link JobStore} in this process's memory; finished jobs are kept t2v.jobs.retention. */
@ApplicationScoped
public class InMemoryJobStore implements JobStore {

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, Job> keys = new ConcurrentHashMap<>();

    private final Duration retention;
    private final Clock clock;

    @Inject
    public InMemoryJobStore(JobsConfig config) {
        this(config.retention(), Clock.systemUTC());
    }

    InMemoryJobStore(Duration retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public void put(Job job) {
        jobs.put(job.id(), job);
    }

    @Override
    public Optional<Job> find(String id) {
        Job job = jobs.get(id);
        return job == null || expired(job) ? Optional.empty() : Optional.of(job);
    }

    @Override
    public Optional<Job> findByKey(String key) {
        Job job = keys.get(key);
        return job == null || expired(job) ? Optional.empty() : Optional.of(job);
    }

    @Override
    public Job claim(String key, Job job) {
        return keys.compute(key, (k, old) -> old == null || expired(old) ? job : old);
    }

    @Override
    public void release(String key, Job job) {
        keys.remove(key, job);
    }

    @Override
    public int forgetFinishedBefore(Instant cutoff) {
        int before = jobs.size();
        jobs.values().removeIf(j -> finishedBefore(j, cutoff));
        keys.values().removeIf(j -> finishedBefore(j, cutoff));
        return before - jobs.size();
    }

    private boolean expired(Job job) {
        return finishedBefore(job, clock.instant().minus(retention));
    }

    private static boolean finishedBefore(Job job, Instant cutoff) {
        Instant end = job.finishedAt();
        return end != null && end.isBefore(cutoff);
    }
}
