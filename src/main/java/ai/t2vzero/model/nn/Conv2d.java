package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

/**
 * {@code torch.nn.Conv2d} with square kernel, stride and zero padding; weight [out, in, k, k]. A "same" 3x3 layer
 * loaded by {@link #load3x3} may instead keep Winograd filters [16, out, in] and run as {@link WinogradConv3x3}
 * (which layers: {@link ConvAlgorithm}); then the checkpoint's 3x3 weight is not kept.
 */
public final class Conv2d {

    private final NDArray weight;    // [out, in, k, k]; null when the layer runs as Winograd
    private final NDArray winograd;  // [16, out, in]: G g G^T per tap; null for the direct convolution
    private final NDArray bias;      // [out]
    private final long macsPerOutput; // in * k * k: the direct convolution's multiply-adds per output element
    private final Shape stride;
    private final Shape padding;

    private Conv2d(NDArray weight, NDArray winograd, NDArray bias, long in, int kernel, int stride, int padding) {
        this.weight = weight;
        this.winograd = winograd;
        this.bias = bias;
        this.macsPerOutput = in * kernel * kernel;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** The checkpoint's layer as it is: libtorch's convolution over its weight. */
    public static Conv2d load(WeightScope w, long in, long out, int kernel, int stride, int padding) {
        return of(w.get("weight", out, in, kernel, kernel), w.get("bias", out), stride, padding);
    }

    /** A convolution over given weight [out, in, k, k] and bias [out] (e.g. weights derived at load time). */
    public static Conv2d of(NDArray weight, NDArray bias, int stride, int padding) {
        Shape s = weight.getShape();
        return new Conv2d(weight, null, bias, s.get(1), (int) s.get(2), stride, padding);
    }

    /**
     * The usual "same" 3x3 convolution, as Winograd F(2x2, 3x3) where {@link ConvAlgorithm} takes it for this layer
     * (the 3x3 weight is then transformed and released).
     */
    public static Conv2d load3x3(WeightScope w, long in, long out) {
        return same3x3(w.get("weight", out, in, 3, 3), w.get("bias", out));
    }

    /**
     * A "same" 3x3 convolution (stride 1, padding 1) over weight [out, in, 3, 3] and bias [out], computed as
     * {@link ConvAlgorithm#current()} decides for it; takes ownership of {@code weight}: a Winograd layer transforms
     * it onto its manager and closes it.
     */
    public static Conv2d same3x3(NDArray weight, NDArray bias) {
        if (!ConvAlgorithm.current().takesWinograd(weight)) {
            return of(weight, bias, 1, 1);
        }
        long in = weight.getShape().get(1);
        NDArray filters = WinogradConv3x3.filters(weight);                     // [16, out, in]
        weight.close();
        return new Conv2d(null, filters, bias, in, 3, 1, 1);
    }

    public static Conv2d load1x1(WeightScope w, long in, long out) {
        return load(w, in, out, 1, 1, 0);
    }

    /** The 3x3 weight [out, in, k, k]; a layer loaded as Winograd has none. */
    public NDArray weight() {
        if (weight == null) {
            throw new IllegalStateException("a Winograd layer keeps no 3x3 weight");
        }
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    /** Whether this layer runs as Winograd F(2x2, 3x3). */
    public boolean isWinograd() {
        return winograd != null;
    }

    /** [B, in, H, W] -> [B, out, H', W']. */
    public NDArray forward(NDArray x) {
        long t = OpProfiler.start();
        NDArray out = winograd != null
                ? WinogradConv3x3.forward(x, winograd, bias)
                : x.getNDArrayInternal()
                        .convolution(x, weight, bias, stride, padding, new Shape(1, 1), 1)
                        .singletonOrThrow();
        OpProfiler.stop("conv", t);
        // the direct convolution's count whatever the algorithm (an "effective" rate for Winograd layers): one
        // multiply-add per output element and weight of its filter, [B, Cout, Ho, Wo] x Cin*kh*kw
        FlopCounter.add(out.getShape().size() * macsPerOutput);
        return out;
    }
}
