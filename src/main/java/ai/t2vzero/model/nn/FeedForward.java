package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

/**
 * diffusers' {@code FeedForward} with GEGLU (activation_fn "geglu", the SD 1.x default):
 * {@code net.0.proj} projects to 2 * inner, the halves are {@code hidden * gelu(gate)}; net.1 is Dropout (no
 * weights); {@code net.2} projects back.
 */
public final class FeedForward {

    private final Linear proj;   // net.0.proj: [2 * inner, dim]
    private final Linear out;    // net.2: [dim, inner]
    private final long inner;

    private FeedForward(Linear proj, Linear out, long inner) {
        this.proj = proj;
        this.out = out;
        this.inner = inner;
    }

    /** {@code mult} 4 as in BasicTransformerBlock. */
    public static FeedForward load(WeightScope w, long dim, int mult) {
        long inner = dim * mult;
        WeightScope net = w.child("net");
        return new FeedForward(
                Linear.load(net.child(0).child("proj"), dim, inner * 2, true),
                // net.1 is Dropout: no weights
                Linear.load(net.child(2), inner, dim, true),
                inner);
    }

    public NDArray forward(NDArray x) {
        NDArray h = proj.forward(x);                                      // [B, N, 2 * inner]
        long t = OpProfiler.start();
        NDArray hidden = h.get("..., :" + inner);                         // [B, N, inner]
        NDArray gate = h.get("..., " + inner + ":");                      // [B, N, inner]
        NDArray g = Activations.gelu(gate);
        NDArray y = g.muli(hidden);
        h.close();
        hidden.close();
        gate.close();
        OpProfiler.stop("geglu", t);
        NDArray o = out.forward(y);
        y.close();
        return o;
    }
}
