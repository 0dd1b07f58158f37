package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.NDArrays;

/**
 * diffusers' {@code Timesteps} ({@code get_timestep_embedding}): the sinusoidal embedding of the training timestep,
 * {@code emb[:, i] = t * exp(-ln(10000) * i / (half - downscale_freq_shift))}, then {@code [sin, cos]} (or
 * {@code [cos, sin]} with flip_sin_to_cos). Computed in float32 like diffusers; an odd width is zero-padded.
 */
public final class Timesteps {

    private static final double MAX_PERIOD = 10000;

    private final int numChannels;
    private final boolean flipSinToCos;
    private final NDArray freqs; // [1, half]: exp(exponent), computed once

    private Timesteps(int numChannels, boolean flipSinToCos, NDArray freqs) {
        this.numChannels = numChannels;
        this.flipSinToCos = flipSinToCos;
        this.freqs = freqs;
    }

    /** The frequency table lives in {@code manager} (the model's). */
    public static Timesteps create(NDManager manager, int numChannels, boolean flipSinToCos, double downscaleFreqShift) {
        int half = numChannels / 2;
        NDArray exponent = manager.arange(0f, (float) half, 1f, DataType.FLOAT32)
                .muli((float) -Math.log(MAX_PERIOD))
                .divi((float) (half - downscaleFreqShift));             // [half]
        NDArray freqs = exponent.exp().reshape(1, half);                  // [1, half]
        exponent.close();
        return new Timesteps(numChannels, flipSinToCos, freqs);
    }

    /**
     * diffusers' model forward: the timestep (0-d, [1] or [B], int64 or float) broadcast to the batch, then
     * embedded: -> [B, numChannels] float32.
     */
    public NDArray forward(NDArray timestep, long batch) {
        long size = timestep.getShape().size();
        if (size != 1 && size != batch) {
            throw new IllegalArgumentException("timestep has " + size + " elements for a batch of " + batch);
        }
        NDArray t = timestep.reshape(-1);                                    // [1] or [B]
        NDArray emb = forward(t);                                            // [1 or B, numChannels]
        t.close();
        if (size == batch) {
            return emb;
        }
        NDArray expanded = emb.repeat(0, batch);                             // [B, numChannels]
        emb.close();
        return expanded;
    }

    /** timesteps [B] (any numeric dtype) -> [B, numChannels] float32. */
    public NDArray forward(NDArray timesteps) {
        NDArray f = timesteps.toType(DataType.FLOAT32, false);
        NDArray t = f.reshape(-1, 1);                                        // [B, 1]
        if (f != timesteps) {
            f.close();
        }
        NDArray emb = t.mul(freqs);                                          // [B, half]
        NDArray sin = emb.sin();
        NDArray cos = emb.cos();
        NDArray out = flipSinToCos ? NDArrays.concat(1, cos, sin) : NDArrays.concat(1, sin, cos); // [B, 2 * half]
        if (numChannels % 2 == 1) {
            NDArray padded = out.pad(new Shape(0, 1), 0);                   // [B, numChannels]
            out.close();
            out = padded;
        }
        emb.close();
        sin.close();
        cos.close();
        t.close();
        return out;
    }
}
