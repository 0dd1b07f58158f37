package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightScope;

/**
 * {@code torch.nn.GroupNorm(groups, C, eps, affine=True)} on [B, C, ...]. DJL has no group norm, so the input is
 * viewed as [B*G, C/G * rest] and normalized with libtorch's layer norm over the last dimension (per-row mean and
 * biased variance: exactly group norm's statistics, in one fused, vectorized pass; about twice as fast as the
 * batch-norm formulation), then the per-channel affine is applied in place.
 */
public final class GroupNorm {

    private final int groups;
    private final float eps;
    private final NDArray weight; // [C]
    private final NDArray bias;   // [C]
    private final long channels;

    private GroupNorm(int groups, float eps, NDArray weight, NDArray bias, long channels) {
        this.groups = groups;
        this.eps = eps;
        this.weight = weight;
        this.bias = bias;
        this.channels = channels;
    }

    public static GroupNorm load(WeightScope w, int groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.path() + ": " + channels + " channels not divisible by " + groups + " groups");
        }
        return new GroupNorm(groups, (float) eps, w.get("weight", channels), w.get("bias", channels), channels);
    }

    public NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        long bg = shape.get(0) * groups;
        NDManager m = x.getManager();
        NDArray grouped = x.reshape(bg, -1);                                  // [B*G, C/G * H * W]
        Shape row = new Shape(grouped.getShape().get(1));
        // unit gamma, zero beta: the affine is per channel, below
        NDArray gamma = m.ones(row, x.getDataType());
        NDArray beta = m.zeros(row, x.getDataType());
        NDArray normed = x.getNDArrayInternal().layerNorm(grouped, row, gamma, beta, eps).singletonOrThrow();
        long[] affineShape = new long[shape.dimension()];
        java.util.Arrays.fill(affineShape, 1);
        affineShape[1] = channels;
        Shape a = new Shape(affineShape);                                      // [1, C, 1, 1]
        NDArray w = weight.reshape(a);
        NDArray b = bias.reshape(a);
        NDArray out = normed.reshape(shape).muli(w).addi(b);                   // [B, C, ...]
        // every temporary handle is closed here (the views of the weights belong to the model's manager)
        normed.close();
        grouped.close();
        gamma.close();
        beta.close();
        w.close();
        b.close();
        return out;
    }
}
