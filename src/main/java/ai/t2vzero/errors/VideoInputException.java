package ai.t2vzero.errors;

/**
 * A request's input video cannot be used (field {@code video} or {@code controlVideo}); its status and code say why.
 *
 * <p>Statuses used by the input package:
 * <ul>
 *   <li>400 {@code invalid_video_reference}, {@code invalid_url}, {@code url_refused}: the value is neither an upload
 *       reference nor an http(s) URL, the URL is malformed or uses another scheme, or its host (or a redirect's host)
 *       resolves to a non-public address;</li>
 *   <li>404 {@code upload_not_found}: unknown, deleted or expired upload;</li>
 *   <li>413 {@code video_too_large}: the body is larger than the configured limit;</li>
 *   <li>415 {@code unsupported_media_type}: an upload with a Content-Type that is not a video;</li>
 *   <li>422 {@code not_a_video}: the bytes are no known video container; {@code fetch_failed}: the URL could not
 *       be fetched (connection refused, TLS failure, non-2xx answer, bad redirect, too many redirects);
 *       {@code fetch_timeout}: the server was too slow (connect, read or total time limit). Timeouts are 422, not
 *       408: 408 says that <em>our client</em> was slow to send its request, which clients may retry blindly.</li>
 * </ul>
 */
public final class VideoInputException extends ApiException {

    public VideoInputException(int status, String error, String field, String message) {
        this(status, error, field, message, null);
    }

    public VideoInputException(int status, String error, String field, String message, Throwable cause) {
        super(status, error, field, message, cause);
    }
}
