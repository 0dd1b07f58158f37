package ai.t2vzero.video;

import java.util.Arrays;

/**
 * Which source frames to take, as Text2Video-Zero's {@code utils.prepare_video} picks them: the clip
 * {@code [startSeconds, endSeconds)} is resampled at {@code targetFps} by taking evenly spaced source frames,
 *
 * <pre>
 * end_t       = len(vr) / fps  if end_t == -1 else min(len(vr) / fps, end_t)
 * start_f_ind = int(start_t * fps);  end_f_ind = int(end_t * fps)
 * num_f       = int((end_t - start_t) * output_fps)
 * sample_idx  = np.linspace(start_f_ind, end_f_ind, num_f, endpoint=False).astype(int)
 * </pre>
 *
 * with the same double arithmetic, so the indices are the app's. {@code targetFps <= 0} means the source's own
 * rate truncated to an integer ({@code output_fps = int(initial_fps)}, the app's {@code -1}).
 * {@code maxFrames > 0} then keeps the first {@code maxFrames} samples: the clip is cut short rather than
 * sampled more sparsely, so the result still plays at {@code targetFps} (the app's video length limit works the same way).
 *
 * @param startSeconds where the clip starts, {@code >= 0}
 * @param endSeconds   where it ends (exclusive); negative means the end of the video
 * @param targetFps    frames per second of the result; {@code <= 0} means the source's
 * @param maxFrames    at most this many frames; {@code <= 0} means no limit
 */
public record FrameSampling(double startSeconds, double endSeconds, int targetFps, int maxFrames) {

    public FrameSampling {
        if (!(startSeconds >= 0) || Double.isInfinite(startSeconds)) {
            throw new IllegalArgumentException("startSeconds must be >= 0 (got " + startSeconds + ")");
        }
        if (Double.isNaN(endSeconds)) {
            throw new IllegalArgumentException("endSeconds must be a number (negative for the end of the video)");
        }
    }

    /** The whole video at {@code targetFps}, at most {@code maxFrames} frames. */
    public static FrameSampling of(int targetFps, int maxFrames) {
        return new FrameSampling(0, -1, targetFps, maxFrames);
    }

    /** The rate of the sampled clip. */
    public int outputFps(double sourceFps) {
        int fps = targetFps > 0 ? targetFps : (int) sourceFps;
        if (fps <= 0) {
            throw new IllegalArgumentException("cannot sample at the source rate of a " + sourceFps
                    + " fps video: give a target fps");
        }
        return fps;
    }

    /**
     * Source frame indices to decode, ascending (repeats possible when upsampling the rate).
     *
     * @throws IllegalArgumentException if the clip is empty ({@code start >= end}) or yields no frame
     */
    public int[] frameIndices(double sourceFps, int frameCount) {
        if (!(sourceFps > 0) || frameCount <= 0) {
            throw new IllegalArgumentException("the video has no frames to sample (fps=" + sourceFps
                    + ", frames=" + frameCount + ")");
        }
        int outputFps = outputFps(sourceFps);
        double videoEnd = frameCount / sourceFps;
        double end = endSeconds < 0 ? videoEnd : Math.min(videoEnd, endSeconds);
        if (!(startSeconds < end)) {
            throw new IllegalArgumentException("start " + startSeconds + " s must be before end " + end
                    + " s (the video lasts " + videoEnd + " s)");
        }
        int startIndex = (int) (startSeconds * sourceFps);
        int endIndex = (int) (end * sourceFps);
        int count = (int) ((end - startSeconds) * outputFps);
        if (count <= 0) {
            throw new IllegalArgumentException("a " + (end - startSeconds) + " s clip holds no frame at "
                    + outputFps + " fps");
        }
        // np.linspace(start, stop, num, endpoint=False): y_i = i * ((stop - start) / num) + start, then astype(int)
        double step = (double) (endIndex - startIndex) / count;
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = (int) (i * step + startIndex);
        }
        return maxFrames > 0 && maxFrames < count ? Arrays.copyOf(indices, maxFrames) : indices;
    }
}
