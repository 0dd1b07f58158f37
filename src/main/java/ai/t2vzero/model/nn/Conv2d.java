package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.FlopCounter;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

/**
 * {@code torch.nn.Conv2d} with square kernel, stride and zero padding; weight [out, in, k, k]. A "same" 3x3 layer
 * loaded by {@link #load3x3} may instead keep Winograd filters [16, out, in] and run as {@link WinogradConv3x3}
 * (which layers: {@link ConvAlgorithm}); then the checkpoint's 3x3 weight is not kept. Loaded for bfloat16 products
 * ({@link Bfloat16Products}) it keeps its weight in bfloat16 and convolves through that module (never as Winograd).
 */
public final class Conv2d {

    private final NDArray weight;    // [out, in, k, k] (bfloat16 for bf16 products); null for a Winograd layer
    private final NDArray winograd;  // [16 or 36, out, in]: G g G^T per tap; null for the direct convolution
    private final NDArray bias;      // [out]
    private final NDArray geometry;  // int64 [stride, padding] for the bfloat16 module; null for float32/float16
    private final long macsPerOutput; // in * k * k: the direct convolution's multiply-adds per output element
    private final Shape stride;
    private final Shape padding;

    private Conv2d(NDArray weight, NDArray winograd, NDArray bias, NDArray geometry, long in, int kernel, int stride,
                   int padding) {
        this.weight = weight;
        this.winograd = winograd;
        this.bias = bias;
        this.geometry = geometry;
        this.macsPerOutput = in * kernel * kernel;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** The checkpoint's layer as it is: libtorch's convolution over its weight (in the store's product type). */
    public static Conv2d load(WeightScope w, long in, long out, int kernel, int stride, int padding) {
        return of(w.get("weight", out, in, kernel, kernel), w.get("bias", out), stride, padding)
                .withProducts(w.store().products());
    }

    /** A convolution over given weight [out, in, k, k] and bias [out] (e.g. weights derived at load time). */
    public static Conv2d of(NDArray weight, NDArray bias, int stride, int padding) {
        Shape s = weight.getShape();
        return new Conv2d(weight, null, bias, null, s.get(1), (int) s.get(2), stride, padding);
    }

    /**
     * The usual "same" 3x3 convolution, as Winograd F(2x2, 3x3) where {@link ConvAlgorithm} takes it for this layer
     * (the 3x3 weight is then transformed and released); with bfloat16 products, direct in bfloat16.
     */
    public static Conv2d load3x3(WeightScope w, long in, long out) {
        return load3x3(w, in, out, false);
    }

    /**
     * As {@link #load3x3(WeightScope, long, long)}; {@code largeTiles}: the caller's output tolerates F(4x4, 3x3)'s
     * rounding (about 5x the direct convolution's per layer), which then replaces F(2x2, 3x3) where ConvAlgorithm
     * takes it ({@link ConvAlgorithm#winogradTile}).
     * The VAE decoder allows it: its output is decoded once to 8-bit pixels, and no denoising loop carries it on.
     */
    public static Conv2d load3x3(WeightScope w, long in, long out, boolean largeTiles) {
        NDArray weight = w.get("weight", out, in, 3, 3);
        NDArray bias = w.get("bias", out);
        DataType products = w.store().products();
        return Bfloat16Products.requested(products)
                ? of(weight, bias, 1, 1).withProducts(products)
                : same3x3(weight, bias, largeTiles);
    }

    /**
     * This layer with its products in {@code products}: for bfloat16 a layer over the weight cast to bfloat16 (this
     * layer's float32 weight is released, so this one must not be used after), otherwise this layer.
     */
    public Conv2d withProducts(DataType products) {
        if (geometry != null || !Bfloat16Products.requested(products)) {
            return this;
        }
        if (winograd != null) {
            throw new IllegalStateException("a Winograd layer has no weight to cast to bfloat16");
        }
        Shape s = weight.getShape();
        NDArray b = Bfloat16Products.bias(bias, weight.getManager());
        NDArray g = weight.getManager().create(new long[] {stride.get(0), padding.get(0)});
        return new Conv2d(Bfloat16Products.weight(weight), null, b, g, s.get(1), (int) s.get(2),
                (int) stride.get(0), (int) padding.get(0));
    }

    /**
     * A "same" 3x3 convolution (stride 1, padding 1) over weight [out, in, 3, 3] and bias [out], computed as
     * {@link ConvAlgorithm#current()} decides for it; takes ownership of {@code weight}: a Winograd layer transforms
     * it onto its manager and closes it.
     */
    public static Conv2d same3x3(NDArray weight, NDArray bias) {
        return same3x3(weight, bias, false);
    }

    /** As {@link #same3x3(NDArray, NDArray)}, F(4x4, 3x3) allowed when {@code largeTiles} (see {@link #load3x3}). */
    public static Conv2d same3x3(NDArray weight, NDArray bias, boolean largeTiles) {
        int tile = ConvAlgorithm.current().winogradTile(weight, largeTiles);
        return tile == 0 ? of(weight, bias, 1, 1)
                : winograd(weight, bias, tile == 4 ? WinogradConv3x3.Tile.F4 : WinogradConv3x3.Tile.F2);
    }

    /** The same 3x3 convolution over {@code weight} [out, in, 3, 3] as Winograd with {@code tile}; weight closed. */
    static Conv2d winograd(NDArray weight, NDArray bias, WinogradConv3x3.Tile tile) {
        long in = weight.getShape().get(1);
        NDArray filters = WinogradConv3x3.filters(weight, tile);               // [16 or 36, out, in]
        weight.close();
        return new Conv2d(null, filters, bias, null, in, 3, 1, 1);
    }

    public static Conv2d load1x1(WeightScope w, long in, long out) {
        return load(w, in, out, 1, 1, 0);
    }

    /** The weight [out, in, k, k] in float32 (or float16); a Winograd or bfloat16 layer has none to hand out. */
    public NDArray weight() {
        if (weight == null) {
            throw new IllegalStateException("a Winograd layer keeps no 3x3 weight");
        }
        if (geometry != null) {
            // DJL cannot operate on a bfloat16 array (Bfloat16Products): derive filters before withProducts
            throw new IllegalStateException("a bfloat16 layer's weight is only usable by its own convolution");
        }
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    /** Whether this layer runs as Winograd F(2x2, 3x3) or F(4x4, 3x3). */
    public boolean isWinograd() {
        return winograd != null;
    }

    /** The Winograd output tile side (2 or 4); 0 for a direct convolution. */
    public int winogradTile() {
        return winograd == null ? 0 : WinogradConv3x3.Tile.ofTaps(winograd.getShape().get(0)).outputs;
    }

    /** [B, in, H, W] -> [B, out, H', W']. */
    public NDArray forward(NDArray x) {
        long t = OpProfiler.start();
        NDArray out = winograd != null
                ? WinogradConv3x3.forward(x, winograd, bias)
                : geometry != null
                ? Bfloat16Products.conv2d(x, weight, bias, geometry)
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
