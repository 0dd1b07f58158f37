package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

/**
 * {@code torch.nn.Linear}: {@code y = x W^T + b}, weight [out, in], over any leading dimensions. Loaded for bfloat16
 * products ({@link Bfloat16Products}) it keeps its weight in bfloat16 and computes through that module.
 */
public final class Linear {

    private final NDArray weight; // [out, in]; bfloat16 when bf16 is set
    private final NDArray bias;   // [out] or null; float32 [0] for none when bf16 is set
    private final boolean bf16;

    private Linear(NDArray weight, NDArray bias, boolean bf16) {
        this.weight = weight;
        this.bias = bias;
        this.bf16 = bf16;
    }

    public static Linear load(WeightScope w, long in, long out, boolean bias) {
        return of(w.get("weight", out, in), bias ? w.get("bias", out) : null).withProducts(w.store().products());
    }

    /**
     * A 1x1 {@code Conv2d} (weight [out, in, 1, 1]) used as the Linear it equals on channels-last tokens
     * ([B, H*W, in] -> [B, H*W, out]): one GEMM instead of a convolution plus layout copies.
     */
    public static Linear loadConv1x1(WeightScope w, long in, long out) {
        NDArray conv = w.get("weight", out, in, 1, 1);
        NDArray weight = conv.reshape(out, in);                                // [out, in, 1, 1] -> [out, in]
        conv.close();
        return of(weight, w.get("bias", out)).withProducts(w.store().products());
    }

    /** A Linear over given weight [out, in] and bias [out] (or null), e.g. weights pre-multiplied by a constant. */
    public static Linear of(NDArray weight, NDArray bias) {
        return new Linear(weight, bias, false);
    }

    /**
     * This layer with its products in {@code products}: for bfloat16 a layer over the weight cast to bfloat16 (this
     * layer's float32 weight is released, so this one must not be used after), otherwise this layer.
     */
    public Linear withProducts(DataType products) {
        if (bf16 || !Bfloat16Products.requested(products)) {
            return this;
        }
        NDArray b = Bfloat16Products.bias(bias, weight.getManager());
        return new Linear(Bfloat16Products.weight(weight), b, true);
    }

    public NDArray forward(NDArray x) {
        FlopCounter.add(x.getShape().size() * weight.getShape().get(0));      // rows x in x out multiply-adds
        long t = OpProfiler.start();
        NDArray y = bf16
                ? Bfloat16Products.linear(x, weight, bias)
                : x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        OpProfiler.stop("linear", t);
        return y;
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
