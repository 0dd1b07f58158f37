package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.Scopes;

/**
 * Host-side helpers shared by the schedulers. Scalars are computed in Java {@code float}, because diffusers
 * computes them as float32 0-d tensors ({@code alpha_prod_t ** 0.5} ...): the same rounding, the same results.
 */
final class ScheduleMath {

    private ScheduleMath() {}

    /** float32 {@code x ** 0.5} (correctly rounded: sqrt in double, then rounded once to float). */
    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /** An integral timestep (DDIM/PNDM) as an index into the training schedule, refusing anything else. */
    static int trainIndex(double timestep, int numTrainTimesteps, String who) {
        if (timestep != Math.rint(timestep) || timestep < 0 || timestep >= numTrainTimesteps) {
            throw new IllegalArgumentException(who + ": timestep must be an integer in [0, " + numTrainTimesteps
                    + ") (got " + timestep + ")");
        }
        return (int) timestep;
    }

    /**
     * An integral timestep that may be negative, as numpy indexes it: "trailing" spacing at some step counts (1000
     * training steps: 61, 122, ...) ends on timestep -1, and diffusers reads {@code alphas_cumprod[-1]}, the last
     * entry. Returns the index into the training schedule.
     */
    static int pythonTrainIndex(double timestep, int numTrainTimesteps, String who) {
        if (timestep != Math.rint(timestep) || timestep < -numTrainTimesteps || timestep >= numTrainTimesteps) {
            throw new IllegalArgumentException(who + ": timestep must be an integer in [-" + numTrainTimesteps + ", "
                    + numTrainTimesteps + ") (got " + timestep + ")");
        }
        return Math.floorMod((int) timestep, numTrainTimesteps);
    }

    /** A per-batch-element coefficient {@code [B, 1, ..., 1]} with the rank of {@code like}, float32. */
    static NDArray perBatch(NDArray like, float[] values) {
        long[] dims = new long[like.getShape().dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = values.length;
        if (like.getShape().get(0) != values.length) {
            throw new IllegalArgumentException("got " + values.length + " timesteps for a batch of shape "
                    + like.getShape());
        }
        return like.getManager().create(values, new Shape(dims)); // [B, 1, ..., 1]
    }

    /**
     * DDPM's forward process {@code sqrt(a_t) * x0 + sqrt(1 - a_t) * noise} per batch element (diffusers'
     * {@code add_noise} of DDIM/PNDM/DDPM; formula (4) of DDPM).
     */
    static NDArray addNoise(double[] alphasCumprod, NDArray original, NDArray noise, double[] timesteps, String who) {
        float[] sqrtAlphaProd = new float[timesteps.length];
        float[] sqrtOneMinusAlphaProd = new float[timesteps.length];
        for (int b = 0; b < timesteps.length; b++) {
            float a = (float) alphasCumprod[trainIndex(timesteps[b], alphasCumprod.length, who)];
            sqrtAlphaProd[b] = sqrt(a);
            sqrtOneMinusAlphaProd[b] = sqrt(1f - a);
        }
        return Scopes.keep(() -> {
            NDArray sa = perBatch(original, sqrtAlphaProd);
            NDArray sb = perBatch(original, sqrtOneMinusAlphaProd);
            return sa.mul(original).add(sb.mul(noise));
        });
    }
}
