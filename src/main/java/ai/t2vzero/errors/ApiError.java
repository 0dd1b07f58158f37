package ai.t2vzero.errors;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * JSON body of every error answer: {@code {"error":"invalid_argument","field":"t0","message":"..."}}.
 *
 * @param error   machine-readable kind: invalid_argument, bad_request, not_found, method_not_allowed,
 *                unsupported_media_type, payload_too_large, unavailable, internal; for input videos the codes of
 *                {@link VideoInputException} (invalid_video_reference, upload_not_found,
 *                fetch_failed, ...) and unreadable_video
 * @param field   the request field at fault (JSON name), or null
 * @param message human-readable text naming the field and the bound
 * @param id      only for internal errors: the id under which the stack trace was logged
 */
public record ApiError(
        String error,
        String field,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) String id) {

    /** The message of every internal error: the details stay in the server log, under {@code id}. */
    public static final String INTERNAL_MESSAGE = "internal error, see server log with this id";

    public static ApiError of(String error, String field, String message) {
        return new ApiError(error, field, message, null);
    }

    /** 500 {@code internal}: an internal fault logged under {@code id}. */
    public static ApiError internal(String id) {
        return new ApiError("internal", null, INTERNAL_MESSAGE, id);
    }
}
