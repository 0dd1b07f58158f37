package ai.t2vzero.function;

import java.time.Duration;
import java.util.Objects;

/**
 * The service cannot take the request now (all generation slots busy, shutting down, out of memory).
 * {@link ErrorMapping} answers 503 with a {@code Retry-After} header in whole seconds and
 * {@code {"error":"unavailable","message":...}}.
 */
public class ServiceUnavailableException extends RuntimeException {

    private final Duration retryAfter;

    public ServiceUnavailableException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public ServiceUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }
}
