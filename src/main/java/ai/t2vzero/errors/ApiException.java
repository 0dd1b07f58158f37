package ai.t2vzero.errors;

/**
 * The one vocabulary of client-visible failures: every problem with a request, or with the service's capacity to
 * take it, is one of these few exceptions, thrown where the problem is found. Each carries its HTTP status, a
 * machine-readable code and the request field at fault (null when the whole request is concerned); the failure
 * handler, the upload routes and the job metrics read only these three, so there is one JSON shape
 * ({@link ApiError}) and one classification. Anything that is not an {@code ApiException} is an internal fault (500).
 */
public abstract sealed class ApiException extends RuntimeException
        permits InvalidFieldException, ModelUnavailableException, PayloadTooLargeException, ServiceUnavailableException,
        VideoInputException {

    private final int status;
    private final String code;
    private final String field;

    ApiException(int status, String code, String field, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** Machine-readable error code, e.g. {@code invalid_argument}, {@code url_refused}. */
    public String code() {
        return code;
    }

    /** The request field at fault as the client spelled it in JSON (camelCase), or null. */
    public String field() {
        return field;
    }

    /** Whether the client sent something wrong (4xx), as opposed to the service being unable to take it now (5xx). */
    public boolean clientError() {
        return status < 500;
    }

    /** The JSON body of this error. */
    public ApiError body() {
        return ApiError.of(code, field, getMessage());
    }
}
