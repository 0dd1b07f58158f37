package ai.t2vzero.model.nn;

import ai.t2vzero.runtime.FlopCounter;
import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightScope;

/** {@code torch.nn.Conv2d} with square kernel, stride and zero padding; weight [out, in, k, k]. */
public final class Conv2d {

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;

    private Conv2d(NDArray weight, NDArray bias, int stride, int padding) {
        this.weight = weight;
        this.bias = bias;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    public static Conv2d load(WeightScope w, long in, long out, int kernel, int stride, int padding) {
        return new Conv2d(w.get("weight", out, in, kernel, kernel), w.get("bias", out), stride, padding);
    }

    /** A convolution over given weight [out, in, k, k] and bias [out] (e.g. weights derived at load time). */
    public static Conv2d of(NDArray weight, NDArray bias, int stride, int padding) {
        return new Conv2d(weight, bias, stride, padding);
    }

    /** The usual "same" 3x3 convolution. */
    public static Conv2d load3x3(WeightScope w, long in, long out) {
        return load(w, in, out, 3, 1, 1);
    }

    public static Conv2d load1x1(WeightScope w, long in, long out) {
        return load(w, in, out, 1, 1, 0);
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    /** [B, in, H, W] -> [B, out, H', W']. */
    public NDArray forward(NDArray x) {
        long t = OpProfiler.start();
        NDArray out = x.getNDArrayInternal()
                .convolution(x, weight, bias, stride, padding, new Shape(1, 1), 1)
                .singletonOrThrow();
        OpProfiler.stop("conv", t);
        // one multiply-add per output element and weight of its filter: [B, Cout, Ho, Wo] x Cin*kh*kw
        FlopCounter.add(out.getShape().size() * (weight.getShape().size() / weight.getShape().get(0)));
        return out;
    }
}
