package ai.t2vzero.job;

import java.time.Instant;
import java.util.Optional;

/**
 * Where jobs are kept, by id, and which CloudEvent (source, id) started which job. {@link InMemoryJobStore} keeps
 * them in this process (one pod). Several pods behind one URL need a shared implementation (a database or a key-value
 * store with expiry), since a status request or a redelivered event may reach another pod than the one running the
 * job; the videos themselves are already in the shared artifact store.
 */
public interface JobStore {

    void put(Job job);

    /** The job, unless unknown or forgotten (finished longer than the retention ago). */
    Optional<Job> find(String id);

    /** The job registered under {@code key}, unless none or forgotten. */
    Optional<Job> findByKey(String key);

    /**
     * The job registered under {@code key} (and not forgotten), or else registers {@code job} under it and returns
     * it, atomically.
     */
    Job claim(String key, Job job);

    /** Unregisters {@code key} if it still names {@code job} (a failed synchronous event may be redelivered). */
    void release(String key, Job job);

    /** Forgets the jobs that finished before {@code cutoff}, and their keys; returns how many. */
    int forgetFinishedBefore(Instant cutoff);
}
