package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.weights.WeightScope;

/**
 * diffusers' {@code Downsample2D} with use_conv: a 3x3 stride-2 conv ({@code conv}). With padding 0 (the VAE
 * encoder) the input is first padded by one on the right and bottom, as diffusers does.
 */
public final class Downsample2D {

    private final Conv2d conv;
    private final int padding;

    private Downsample2D(Conv2d conv, int padding) {
        this.conv = conv;
        this.padding = padding;
    }

    public static Downsample2D load(WeightScope w, long in, long out, int padding) {
        return new Downsample2D(Conv2d.load(w.child("conv"), in, out, 3, 2, padding), padding);
    }

    public NDArray forward(NDArray x) {
        if (padding == 0) {
            // F.pad(x, (0, 1, 0, 1)): one zero column on the right, one zero row at the bottom
            NDArray padded = x.pad(new ai.djl.ndarray.types.Shape(0, 1, 0, 1), 0);
            NDArray y = conv.forward(padded);
            padded.close();
            return y;
        }
        return conv.forward(x);
    }
}
