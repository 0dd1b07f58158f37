package ai.t2vzero.job;

import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.function.PreparedCall;
import ai.t2vzero.function.SyncCallRunner;
import ai.t2vzero.function.TextToVideoResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The synchronous function routes as jobs run on the caller's thread: the same deadline as asynchronous jobs, a
 * caller that disconnects cancels its job, and a CloudEvent answered with a reply event starts at most one job per
 * (source, id): a redelivery waits for that job and gets the same answer. A failed one is forgotten, so that a
 * redelivery after a failure (a 503, say) tries again.
 */
@ApplicationScoped
public class SyncJobs implements SyncCallRunner {

    @Inject
    JobService service;

    @Inject
    JobStore store;

    @Override
    public TextToVideoResponse run(PreparedCall call, String ceSource, String ceId, BooleanSupplier callerGone) {
        if (call.webhook() != null) {
            throw new InvalidFieldException("webhook", "webhook is for asynchronous jobs: POST /jobs/" + call.function()
                    + ", or send the header Prefer: respond-async");
        }
        CloudEventOrigin origin = ceSource != null && ceId != null ? new CloudEventOrigin(ceSource, ceId, null) : null;
        Job job = service.newJob(call, origin, callerGone);
        if (origin == null) {
            return service.runDirect(job);
        }
        Job first = store.claim(origin.key(), job);
        if (first != job) {
            return sameAnswerAs(first);
        }
        store.put(job);
        try {
            return service.runDirect(job);
        } catch (RuntimeException e) {
            store.release(origin.key(), job);
            throw e;
        }
    }

    private static TextToVideoResponse sameAnswerAs(Job first) {
        try {
            first.finished().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for job " + first.id(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (first.failure() != null) {
            throw first.failure();
        }
        return first.result();
    }
}
