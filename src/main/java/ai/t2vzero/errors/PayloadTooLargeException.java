package ai.t2vzero.errors;

/**
 * The request asks for more work or data than the service accepts (e.g. an input video that is too long):
 * 413 {@code payload_too_large}.
 */
public final class PayloadTooLargeException extends ApiException {

    public PayloadTooLargeException(String message) {
        this(null, message);
    }

    /** @param field the offending request field, or null when the whole request is too large */
    public PayloadTooLargeException(String field, String message) {
        super(413, "payload_too_large", field, message, null);
    }
}
