package ai.t2vzero.input;

import ai.t2vzero.errors.VideoInputException;
import ai.t2vzero.video.VideoInfo;

import java.time.Duration;

/**
 * Bounds on an input video read from its stream info before a single frame is decoded, so that a small file cannot
 * make the decoder produce gigabytes of pixels or run for hours (decode bombs): frame size
 * ({@code t2v.inputs.max-pixels}), frame rate ({@code t2v.inputs.max-fps}) and duration
 * ({@code t2v.inputs.max-duration}); beyond any of them: 422 {@code video_too_demanding} naming the field.
 */
public record VideoLimits(long maxPixels, double maxFps, Duration maxDuration) {

    public static VideoLimits from(InputsConfig config) {
        return new VideoLimits(config.maxPixels(), config.maxFps(), config.maxDuration());
    }

    /** Throws 422 naming {@code field} when {@code info} passes a bound. */
    public void check(VideoInfo info, String field) {
        long pixels = (long) info.width() * info.height();
        if (pixels > maxPixels) {
            throw refuse(field, "frames of " + info.width() + "x" + info.height() + " (" + pixels + " pixels) are larger than "
                    + maxPixels + " pixels (t2v.inputs.max-pixels)");
        }
        if (info.fps() > maxFps) {
            throw refuse(field, "a frame rate of " + info.fps() + " fps is above " + maxFps + " (t2v.inputs.max-fps)");
        }
        if (info.durationSeconds() > maxDuration.toMillis() / 1000.0) {
            throw refuse(field, "a duration of " + Math.round(info.durationSeconds()) + " s is longer than "
                    + maxDuration.toSeconds() + " s (t2v.inputs.max-duration)");
        }
    }

    private static VideoInputException refuse(String field, String why) {
        return new VideoInputException(422, "video_too_demanding", field, "`" + field + "`: the video is refused: " + why);
    }
}
