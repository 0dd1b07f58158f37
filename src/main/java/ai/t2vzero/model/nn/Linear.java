package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

/**
 * {@code torch.nn.Linear}: {@code y = x W^T + b}, weight [out, in], over any leading dimensions. Loaded for bfloat16
 * products ({@link Bfloat16Products}) it keeps its weight in bfloat16 and computes through that module; in float32 on
 * CPU it may compute as the equal 1x1 convolution ({@link LinearAlgorithm}, decided when the layer is made).
 */
public final class Linear {

    private final NDArray weight; // [out, in]; bfloat16 when bf16 is set
    private final NDArray bias;   // [out] or null; float32 [0] for none when bf16 is set
    private final boolean bf16;
    private final NDArray kernel; // [out, in, 1, 1], a view of weight, for the 1x1 convolution; else null

    private Linear(NDArray weight, NDArray bias, boolean bf16, NDArray kernel) {
        this.weight = weight;
        this.bias = bias;
        this.bf16 = bf16;
        this.kernel = kernel;
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
        return of(weight, bias, LinearAlgorithm.current().takesConv1x1(weight));
    }

    /** As {@link #of(NDArray, NDArray)}, as a 1x1 convolution or not whatever {@link LinearAlgorithm} says. */
    static Linear of(NDArray weight, NDArray bias, boolean conv1x1) {
        Shape s = weight.getShape();
        return new Linear(weight, bias, false, conv1x1 ? weight.reshape(s.get(0), s.get(1), 1, 1) : null);
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
        if (kernel != null) {
            kernel.close();                                                   // a view: the weight goes below
        }
        return new Linear(Bfloat16Products.weight(weight), b, true, null);
    }

    public NDArray forward(NDArray x) {
        FlopCounter.add(x.getShape().size() * weight.getShape().get(0));      // rows x in x out multiply-adds
        long t = OpProfiler.start();
        NDArray y = bf16
                ? Bfloat16Products.linear(x, weight, bias)
                : kernel != null ? conv1x1(x)
                : x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        OpProfiler.stop("linear", t);
        return y;
    }

    /**
     * x [..., in] as the 1x1 convolution over a channels-last view of its rows: [rows, in] read as NHWC [1, h, w, in]
     * (h w = rows, both > 1 so that libtorch sees channels-last, not an ambiguous layout) is the NCHW tensor
     * [1, in, h, w] with channels-last strides, which oneDNN convolves without a layout copy and answers in
     * channels-last, i.e. [1, h, w, out] in memory: [..., out] is a view. Rows that do not factor (a prime count, or
     * fewer than 4) take libtorch's linear.
     */
    private NDArray conv1x1(NDArray x) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        long rows = s.size() / in;
        long h = smallestFactor(rows);
        if (h == 0) {
            return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        }
        NDArray nchw = x.reshape(1, h, rows / h, in).transpose(0, 3, 1, 2);             // [1, in, h, w]
        NDArray y = nchw.getNDArrayInternal().convolution(nchw, kernel, bias, UNIT, NO_PADDING, UNIT, 1)
                .singletonOrThrow();                                                     // [1, out, h, w]
        long[] dims = s.getShape().clone();                                   // getShape() is the live array
        dims[dims.length - 1] = kernel.getShape().get(0);
        return y.transpose(0, 2, 3, 1).reshape(new Shape(dims));
    }

    /** The smallest factor f > 1 of n with n / f > 1, or 0 where there is none. */
    private static long smallestFactor(long n) {
        for (long f = 2; f * f <= n; f++) {
            if (n % f == 0) {
                return f;
            }
        }
        return 0;
    }

    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape NO_PADDING = new Shape(0, 0);

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
