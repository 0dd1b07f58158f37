package ai.t2vzero.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounded FIFO of asynchronous jobs in front of the job slots: runners take the oldest, a full queue refuses,
 * a canceled or timed-out job leaves it wherever it is.
 */
final class JobQueue {

    private final List<Job> jobs = new ArrayList<>();
    private final int capacity;

    JobQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds {@code job} last; false when the queue is full. */
    synchronized boolean offer(Job job) {
        if (jobs.size() >= capacity) {
            return false;
        }
        jobs.add(job);
        notifyAll();
        return true;
    }

    /** The oldest job, waiting for one. */
    synchronized Job take() throws InterruptedException {
        while (jobs.isEmpty()) {
            wait();
        }
        return jobs.remove(0);
    }

    /** The oldest job, or null when the queue is empty (no waiting). */
    synchronized Job poll() {
        return jobs.isEmpty() ? null : jobs.remove(0);
    }

    synchronized boolean remove(Job job) {
        return jobs.remove(job);
    }

    /** 1 for the next job to start, null when {@code job} is not queued. */
    synchronized Integer position(Job job) {
        int i = jobs.indexOf(job);
        return i < 0 ? null : i + 1;
    }

    synchronized int size() {
        return jobs.size();
    }
}
