package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Every random draw of a video pipeline, addressed by what it is for and which frames it belongs to, so that a
 * frame's noise does not depend on how the video is cut into chunks ({@link SeededVideoNoise}), while a recorded
 * source can still replay diffusers' draws in their original order ({@link RecordedVideoNoise}).
 * {@code frame} is the shape of one frame's latent, [1, 4, h, w]; results are [frames.length, 4, h, w].
 */
public interface VideoNoise {

    /** Initial latent noise of the given frames (Text2Video-Zero draws it for frame 0 only). */
    NDArray initial(NDManager manager, int[] frames, Shape frame);

    /** Noise of the DDPM forward jump from t0 to t1 for the given (warped) frames. */
    NDArray forward(NDManager manager, int[] frames, Shape frame);

    /** Noise a stochastic scheduler step draws ({@code loop} names the denoising loop, {@code step} its index). */
    NDArray step(NDManager manager, String loop, int step, int[] frames, Shape frame);

    /**
     * Token merging's random dst tokens (tomesd's {@code rand_idx}) of the UNet's transformer block {@code block} at
     * step {@code step} of {@code loop}: one value in [0, cellSize) for each of {@code cells} cells. The same for
     * every frame and every chunk at that step (tomesd shares one partition across the batch).
     */
    long[] tokenMergeDst(String loop, int step, String block, int cells, int cellSize);
}
