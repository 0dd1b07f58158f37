package ai.t2vzero.errors;

import java.time.Duration;
import java.util.Objects;

/**
 * The service cannot take the request now (all job slots busy, shutting down, out of memory): 503
 * {@code unavailable} with a {@code Retry-After} header in whole seconds.
 */
public final class ServiceUnavailableException extends ApiException {

    private final Duration retryAfter;

    public ServiceUnavailableException(String message, Duration retryAfter) {
        this(message, retryAfter, null);
    }

    public ServiceUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(503, "unavailable", null, message, cause);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} rounded up to whole seconds, at least 1 (the Retry-After header's unit). */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
