package ai.t2vzero.errors;

/**
 * A request field is missing, malformed or out of bounds: 400 {@code invalid_argument}. The message names the field
 * and the bound, e.g. {@code "t0 must be < t1 (got t0=47, t1=44)"}. Code behind the function (the bundle registry,
 * the generation service) throws it too, e.g. for an unknown model name or a ControlNet that does not fit the model.
 */
public final class InvalidFieldException extends ApiException {

    public InvalidFieldException(String field, String message) {
        this(field, message, null);
    }

    public InvalidFieldException(String field, String message, Throwable cause) {
        super(400, "invalid_argument", field, message, cause);
    }
}
