package ai.t2vzero.function;

/**
 * The request asks for more work or data than the service accepts (e.g. an input video that is too long).
 * {@link ErrorMapping} answers 413 {@code {"error":"payload_too_large","field":...,"message":...}}.
 */
public class PayloadTooLargeException extends RuntimeException {

    private final String field;

    public PayloadTooLargeException(String message) {
        this(null, message);
    }

    public PayloadTooLargeException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The offending request field, or null when the whole request is too large. */
    public String getField() {
        return field;
    }
}
