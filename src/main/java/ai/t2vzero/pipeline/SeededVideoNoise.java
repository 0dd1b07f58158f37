package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Noise from one request seed, drawn per frame from a stream keyed by (seed, purpose, frame, step): a frame
 * gets the same noise whether the video is made in one batch or chunk by chunk, and on any device (drawn on
 * the host). That makes chunked and unchunked generation agree, which diffusers' one-tensor-for-all-frames
 * drawing does not give. Token merging's dst tokens are keyed by (seed, loop, block, step), the same for every
 * chunk.
 */
public final class SeededVideoNoise implements VideoNoise {

    private final long seed;

    public SeededVideoNoise(long seed) {
        this.seed = seed;
    }

    @Override
    public NDArray initial(NDManager manager, int[] frames, Shape frame) {
        return draw(manager, "initial".hashCode(), 0, frames, frame);
    }

    @Override
    public NDArray forward(NDManager manager, int[] frames, Shape frame) {
        return draw(manager, "forward".hashCode(), 0, frames, frame);
    }

    @Override
    public NDArray step(NDManager manager, String loop, int step, int[] frames, Shape frame) {
        return draw(manager, ("step/" + loop).hashCode(), step, frames, frame);
    }

    @Override
    public long[] tokenMergeDst(String loop, int step, String block, int cells, int cellSize) {
        // frame -1: no frame's stream; the purpose names the loop and the block
        SplittableRandom r = new SplittableRandom(mix(seed, ("tome/" + loop + "/" + block).hashCode(), -1, step));
        long[] dst = new long[cells];
        for (int i = 0; i < cells; i++) {
            dst[i] = r.nextInt(cellSize);
        }
        return dst;
    }

    private NDArray draw(NDManager manager, int purpose, int step, int[] frames, Shape frame) {
        int per = (int) frame.size();
        float[] data = new float[per * frames.length];
        for (int i = 0; i < frames.length; i++) {
            SplittableRandom r = new SplittableRandom(mix(seed, purpose, frames[i], step));
            for (int j = 0; j < per; j++) {
                data[i * per + j] = (float) r.nextGaussian();
            }
        }
        long[] dims = frame.getShape().clone();
        dims[0] = frames.length;
        return manager.create(data, new Shape(dims));
    }

    /** A 64-bit key for one stream (splitmix64 finaliser over the fields). */
    static long mix(long seed, int purpose, int frame, int step) {
        long h = seed;
        for (long v : new long[]{purpose, frame, step}) {
            h = (h ^ v) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 29;
        }
        return h;
    }
}
