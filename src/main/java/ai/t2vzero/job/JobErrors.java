package ai.t2vzero.job;

import ai.t2vzero.errors.ApiError;
import ai.t2vzero.errors.ApiException;
import ai.t2vzero.pipeline.GenerationStoppedException;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * The {@code error} of a job document: the same codes as the HTTP error answers (ai.t2vzero.function.ErrorMapping),
 * plus {@code timeout} and {@code canceled}. An internal fault gets an id that the log line with its stack trace
 * carries too.
 */
final class JobErrors {

    private static final Logger LOG = Logger.getLogger(JobErrors.class);

    private JobErrors() {
    }

    static ApiError of(Job job, Throwable t) {
        if (t instanceof GenerationStoppedException s) {
            return s.reason() == GenerationStoppedException.Reason.TIMEOUT
                    ? ApiError.of("timeout", "timeoutSeconds", "the job did not finish before its deadline")
                    : ApiError.of("canceled", null, "the job was canceled");
        }
        if (t instanceof ApiException e) { // invalid field, input video, too large, unavailable
            return e.body();
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(t, "internal error %s in job %s (%s)", id, job.id(), job.function());
        return new ApiError("internal", null, "internal error, see server log with this id", id);
    }
}
