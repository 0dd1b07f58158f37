package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.weights.WeightScope;

/** diffusers' {@code Upsample2D} with use_conv: nearest-neighbour 2x upsampling, then a 3x3 conv ({@code conv}). */
public final class Upsample2D {

    /** DJL's interpolation mode code for torch's "nearest". */
    private static final int NEAREST = 0;

    private final Conv2d conv;

    private Upsample2D(Conv2d conv) {
        this.conv = conv;
    }

    public static Upsample2D load(WeightScope w, long channels, long out) {
        return new Upsample2D(Conv2d.load3x3(w.child("conv"), channels, out));
    }

    /** [B, C, H, W] -> [B, out, 2H, 2W]. {@code outputSize} (h, w) overrides 2x when a skip has odd size. */
    public NDArray forward(NDArray x, long[] outputSize) {
        NDArray up = nearest(x, outputSize);
        NDArray y = conv.forward(up);
        up.close();
        return y;
    }

    /**
     * F.interpolate(x, scale_factor=2 or size, mode="nearest"): libtorch's upsample_nearest2d (source index
     * {@code floor(dst * in / out)}), one pass over the output. For exactly 2x this equals repeat_interleave(2) on H
     * and W, which is what scale_factor=2 gives.
     */
    public static NDArray nearest(NDArray x, long[] outputSize) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        long[] size = outputSize != null ? outputSize : new long[] {h * 2, w * 2};
        return x.getNDArrayInternal().interpolation(size, NEAREST, false);
    }
}
