package ai.t2vzero.job;

import ai.t2vzero.artifact.ArtifactUrls;
import ai.t2vzero.errors.ApiError;
import ai.t2vzero.function.FunctionCalls;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code POST /jobs/{function}} and {@code Prefer: respond-async} on a function route, one way: the body is read and
 * validated as the function's request (a 400 naming the field, before any job exists), then queued.
 */
@ApplicationScoped
public class JobSubmissions {

    /** Where job documents are served. */
    public static final String PATH = "/jobs/";

    @Inject
    FunctionCalls calls;

    @Inject
    JobService service;

    @Inject
    ArtifactUrls urls;

    /**
     * @return the queued job's 202 body
     * @throws UnknownFunctionException when {@code function} is not one of the four
     */
    public JobAccepted submit(String function, byte[] body, RoutingContext ctx) {
        if (!FunctionCalls.exists(function)) {
            throw new UnknownFunctionException(function);
        }
        String base = urls.publicBaseUrl(ctx);
        Job job = service.submit(calls.parse(function, body, base), null);
        return accepted(job, base);
    }

    static JobAccepted accepted(Job job, String base) {
        JobDocument d = job.document(null);
        return new JobAccepted(job.id(), job.function(), d.status(), d.createdAt(), base + PATH + job.id(),
                base + PATH + job.id() + "/events");
    }

    /** A function name that is not one of the four (404). */
    public static final class UnknownFunctionException extends RuntimeException {

        UnknownFunctionException(String function) {
            super("no function '" + function + "': one of " + String.join(", ", FunctionCalls.NAMES));
        }

        ApiError body() {
            return ApiError.of("not_found", "function", getMessage());
        }
    }
}
