package ai.t2vzero.function;

/**
 * A request field is missing, malformed or out of bounds. The message names the field and the bound,
 * e.g. {@code "t0 must be < t1 (got t0=47, t1=44)"}. {@link ErrorMapping} answers it with
 * 400 {@code {"error":"invalid_argument","field":...,"message":...}} on plain HTTP and both CloudEvent modes.
 * Code behind the function (the model registry, the pipeline) throws it too, e.g. for an unknown model name.
 */
public class InvalidFieldException extends IllegalArgumentException {

    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** Request field name as the client spelled it in JSON (camelCase), e.g. "videoLength". */
    public String getField() {
        return field;
    }
}
