package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.NoiseSource;

/**
 * Replays recorded draws in diffusers' order: each request takes the next recorded tensor, which must have the
 * shape of all the requested frames together (the pipeline asks in the same batches diffusers drew in when it
 * runs unchunked).
 */
public final class RecordedVideoNoise implements VideoNoise {

    private final NoiseSource recorded;

    public RecordedVideoNoise(NoiseSource recorded) {
        this.recorded = recorded;
    }

    @Override
    public NDArray initial(NDManager manager, int[] frames, Shape frame) {
        return recorded.randn(manager, batch(frames, frame), "prepare_latents");
    }

    @Override
    public NDArray forward(NDManager manager, int[] frames, Shape frame) {
        return recorded.randn(manager, batch(frames, frame), "forward_loop");
    }

    @Override
    public NDArray step(NDManager manager, String loop, int step, int[] frames, Shape frame) {
        return recorded.randn(manager, batch(frames, frame), "scheduler.step (" + loop + " #" + step + ")");
    }

    /** diffusers has no token merging, so no recorded run holds its draws: a replayed run has merging off. */
    @Override
    public long[] tokenMergeDst(String loop, int step, String block, int cells, int cellSize) {
        throw new IllegalStateException("recorded diffusers draws hold no token-merging partition (" + block
                + ", " + loop + " #" + step + "): replay runs with mergingRatio 0");
    }

    private static Shape batch(int[] frames, Shape frame) {
        long[] dims = frame.getShape().clone();
        dims[0] = frames.length;
        return new Shape(dims);
    }
}
