package ai.t2vzero.video;

/**
 * A video that cannot be used as input: missing, unreadable, corrupt, not a video, without decodable frames, or
 * with a shape the pipelines cannot take. The message names the file and what was wrong with it.
 */
public class VideoReadException extends RuntimeException {

    public VideoReadException(String message) {
        super(message);
    }

    public VideoReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
