package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightScope;

/** {@code torch.nn.LayerNorm(D, eps)} over the last dimension. */
public final class LayerNorm {

    private final NDArray weight;
    private final NDArray bias;
    private final float eps;
    private final Shape normalized;

    private LayerNorm(NDArray weight, NDArray bias, float eps, long dim) {
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
        this.normalized = new Shape(dim);
    }

    public static LayerNorm load(WeightScope w, long dim, double eps) {
        return new LayerNorm(w.get("weight", dim), w.get("bias", dim), (float) eps, dim);
    }

    public NDArray forward(NDArray x) {
        long t = OpProfiler.start();
        NDArray y = x.getNDArrayInternal().layerNorm(x, normalized, weight, bias, eps).singletonOrThrow();
        OpProfiler.stop("layernorm", t);
        return y;
    }
}
