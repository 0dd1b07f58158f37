package ai.t2vzero.bundle;

import ai.t2vzero.errors.ModelUnavailableException;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Remembers bundles that failed to load, so that a broken bundle is not re-read (under its lock) by every request:
 * after a failure, requests for it fail at once with {@link ModelUnavailableException} until a backoff has passed
 * (1 minute, doubling per consecutive failure up to 30 minutes); then one request tries again. The cause is logged at
 * ERROR once per streak of failures (not per refused request), and counted.
 */
final class LoadFailures {

    private static final Logger LOG = Logger.getLogger(LoadFailures.class);
    static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(30);

    private record Failure(int count, Instant retryAt, String reason) {}

    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Consumer<String> metric;

    LoadFailures(Clock clock, Consumer<String> metric) {
        this.clock = clock;
        this.metric = metric;
    }

    /** Throws while {@code key}'s backoff runs. */
    void check(String key, String bundle, String field) {
        Failure f = failures.get(key);
        if (f != null && clock.instant().isBefore(f.retryAt())) {
            throw unavailable(bundle, field, f.reason(), null);
        }
    }

    /** Records a failed load and returns the exception to throw. */
    ModelUnavailableException failed(String key, String bundle, String field, RuntimeException cause) {
        Failure previous = failures.get(key);
        int count = previous == null ? 1 : previous.count() + 1;
        long factor = 1L << Math.min(count - 1, 10);
        Duration backoff = FIRST_BACKOFF.multipliedBy(factor);
        if (backoff.compareTo(MAX_BACKOFF) > 0) {
            backoff = MAX_BACKOFF;
        }
        String reason = cause.getClass().getSimpleName();
        failures.put(key, new Failure(count, clock.instant().plus(backoff), reason));
        metric.accept(bundle);
        if (count == 1) {
            LOG.errorf(cause, "model bundle '%s' cannot be loaded; requests for it answer 500 model_unavailable, "
                    + "next attempt in %s (then backing off up to %s)", bundle, backoff, MAX_BACKOFF);
        } else {
            LOG.warnf("model bundle '%s' still cannot be loaded (attempt %d: %s); next attempt in %s", bundle, count,
                    cause.getMessage(), backoff);
        }
        return unavailable(bundle, field, reason, cause);
    }

    /** A successful load ends the streak. */
    void succeeded(String key) {
        failures.remove(key);
    }

    private static ModelUnavailableException unavailable(String bundle, String field, String reason, Throwable cause) {
        return new ModelUnavailableException(bundle, field, "model bundle '" + bundle + "' is installed but cannot be "
                + "loaded (" + reason + "); the operator has been told (server log)", cause);
    }
}
