package ai.t2vzero.model.nn;

import ai.t2vzero.runtime.FlopCounter;
import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;
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

    /**
     * A 1x1 {@code Conv2d} (weight [out, in, 1, 1]) used as the Linear it equals on channels-last tokens
     * ([B, H*W, in] -> [B, H*W, out]): one GEMM instead of a convolution plus layout copies.
     */
    public static Linear loadConv1x1(WeightScope w, long in, long out) {
        NDArray conv = w.get("weight", out, in, 1, 1);
        NDArray weight = conv.reshape(out, in);                                // [out, in, 1, 1] -> [out, in]
        conv.close();
        return new Linear(weight, w.get("bias", out));
    }

    /** A Linear over given weight [out, in] and bias [out] (or null), e.g. weights pre-multiplied by a constant. */
    public static Linear of(NDArray weight, NDArray bias) {
        return new Linear(weight, bias);
    }

    public NDArray forward(NDArray x) {
        FlopCounter.add(x.getShape().size() * weight.getShape().get(0));      // rows x in x out multiply-adds
        long t = OpProfiler.start();
        NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        OpProfiler.stop("linear", t);
        return y;
    }

    /** Multiplies weight and bias by {@code s} in place (folds a constant factor into the layer); returns this. */
    public Linear scaleInPlace(float s) {
        weight.muli(s);
        if (bias != null) {
            bias.muli(s);
        }
        return this;
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
