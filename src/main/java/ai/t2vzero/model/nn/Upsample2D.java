package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.weights.WeightScope;

/** diffusers' {@code Upsample2D} with use_conv: nearest-neighbour 2x upsampling, then a 3x3 conv ({@code conv}). */
public final class Upsample2D {

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

    /** F.interpolate(x, scale_factor=2 or size, mode="nearest"). */
    public static NDArray nearest(NDArray x, long[] outputSize) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        long[] size = outputSize != null ? outputSize : new long[] {h * 2, w * 2};
        if (size[0] == h * 2 && size[1] == w * 2) {
            // exact 2x: repeat each row and column twice
            NDArray r = x.repeat(2, 2);
            NDArray out = r.repeat(3, 2);
            r.close();
            return out;
        }
        // general nearest: source index floor(dst * in / out)
        NDArray rows = x.getManager().arange(0, (int) size[0]).mul((float) h / size[0]).floor().toType(ai.djl.ndarray.types.DataType.INT64, false);
        NDArray cols = x.getManager().arange(0, (int) size[1]).mul((float) w / size[1]).floor().toType(ai.djl.ndarray.types.DataType.INT64, false);
        NDArray r = x.get(new ai.djl.ndarray.index.NDIndex(":, :, {}", rows));
        NDArray out = r.get(new ai.djl.ndarray.index.NDIndex(":, :, :, {}", cols));
        r.close();
        rows.close();
        cols.close();
        return out;
    }
}
