package ai.t2vzero.bundle;

/**
 * A bundle that exists on the models volume cannot be loaded (corrupt or truncated weights, a broken config): the
 * operator's fault, not the caller's, so it maps to 500 {@code model_unavailable} naming the bundle. Thrown at once,
 * without another load attempt, while the failure's backoff runs ({@link LoadFailures}).
 */
public class ModelUnavailableException extends RuntimeException {

    private final String bundle;
    private final String field;

    public ModelUnavailableException(String bundle, String field, String message, Throwable cause) {
        super(message, cause);
        this.bundle = bundle;
        this.field = field;
    }

    /** The bundle name. */
    public String bundle() {
        return bundle;
    }

    /** The request field that named it (model, controlnet). */
    public String field() {
        return field;
    }
}
