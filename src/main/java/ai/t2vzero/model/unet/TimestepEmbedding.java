package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Activations;
import ai.t2vzero.model.nn.Linear;
import ai.t2vzero.weights.WeightScope;

/** diffusers' {@code TimestepEmbedding}: {@code linear_2(silu(linear_1(t_emb)))} (no cond_proj, no post_act). */
public final class TimestepEmbedding {

    private final Linear linear1;
    private final Linear linear2;

    private TimestepEmbedding(Linear linear1, Linear linear2) {
        this.linear1 = linear1;
        this.linear2 = linear2;
    }

    public static TimestepEmbedding load(WeightScope w, long inChannels, long timeEmbedDim) {
        return new TimestepEmbedding(
                Linear.load(w.child("linear_1"), inChannels, timeEmbedDim, true),
                Linear.load(w.child("linear_2"), timeEmbedDim, timeEmbedDim, true));
    }

    /** [B, in] -> [B, timeEmbedDim]. */
    public NDArray forward(NDArray sample) {
        NDArray h = linear1.forward(sample);
        NDArray a = Activations.silu(h);
        h.close();
        NDArray out = linear2.forward(a);
        a.close();
        return out;
    }
}
