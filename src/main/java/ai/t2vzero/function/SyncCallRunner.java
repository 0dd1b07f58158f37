package ai.t2vzero.function;

import java.util.function.BooleanSupplier;

/**
 * Runs a synchronous function call to its answer on the caller's thread. The function edge only prepares calls;
 * the job runner (job/'s SyncJobs) implements this, so that a synchronous call is a job like any other (deadline,
 * cancellation, one job per CloudEvent) without this package depending on job/.
 */
public interface SyncCallRunner {

    /**
     * @param ceSource   the CloudEvent's source, or null for plain HTTP
     * @param ceId       the CloudEvent's id, or null for plain HTTP
     * @param callerGone true once the caller has disconnected (its job is then canceled at its next step)
     */
    TextToVideoResponse run(PreparedCall call, String ceSource, String ceId, BooleanSupplier callerGone);
}
