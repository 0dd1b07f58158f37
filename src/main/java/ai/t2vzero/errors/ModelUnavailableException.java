package ai.t2vzero.errors;

/**
 * 500 {@code model_unavailable}: a bundle that exists on the models volume cannot be loaded (corrupt or truncated
 * weights, a broken config). The operator's fault, not the caller's: the field names the request field that chose the
 * bundle, the message the bundle; the cause is logged by the registry once per streak of failures.
 */
public final class ModelUnavailableException extends ApiException {

    private final String bundle;

    public ModelUnavailableException(String bundle, String field, String message, Throwable cause) {
        super(500, "model_unavailable", field, message, cause);
        this.bundle = bundle;
    }

    /** The bundle name. */
    public String bundle() {
        return bundle;
    }
}
