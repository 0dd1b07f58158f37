package ai.t2vzero.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The only way algorithm code draws randomness: standard normal noise of a shape. A seeded source gives
 * reproducible videos; a recorded source replays the reference's draws in diffusers' drawing order, so a
 * pipeline can be checked number for number. {@code caller} names the draw site (for errors and logs).
 */
public interface NoiseSource {

    /** float32 N(0,1) noise of {@code shape}, owned by {@code manager}. */
    NDArray randn(NDManager manager, Shape shape, String caller);
}
