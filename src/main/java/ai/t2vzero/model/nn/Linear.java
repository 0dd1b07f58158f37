package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.weights.WeightScope;

/** {@code torch.nn.Linear}: {@code y = x W^T + b}, weight [out, in], over any leading dimensions. */
public final class Linear {

    private final NDArray weight; // [out, in]
    private final NDArray bias;   // [out] or null

    private Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    public static Linear load(WeightScope w, long in, long out, boolean bias) {
        return new Linear(w.get("weight", out, in), bias ? w.get("bias", out) : null);
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
