package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.t2vzero.runtime.OpProfiler;
import ai.t2vzero.weights.WeightScope;

import java.util.Optional;

/**
 * {@code torch.nn.GroupNorm(groups, C, eps, affine=True)} on [B, C, ...], optionally followed by SiLU (the ResNet
 * blocks' norm -> silu). DJL has no group norm: libtorch's own kernel is reached through a TorchScript module
 * ({@code group_norm.pt}, {@code tools/nn/make_group_norm_module.py}): one statistics pass and one pass applying the
 * affine, SiLU in place after it. The fallback (module unavailable, or {@code -Dt2vzero.groupnorm=composed}) views
 * the input as [1, B*G, rest] and normalizes it with libtorch's batch norm in training mode (per-"channel" mean and
 * biased variance over the rest, exactly group norm's statistics), then applies the per-channel affine and SiLU as
 * separate passes.
 */
public final class GroupNorm {

    private final int groups;
    private final float eps;
    private final NDArray weight;   // [C]
    private final NDArray bias;     // [C]
    private final NDArray weight4d; // [1, C, 1, 1]: the affine of NCHW inputs, viewed once at load
    private final NDArray bias4d;   // [1, C, 1, 1]
    private final long channels;

    private GroupNorm(int groups, float eps, NDArray weight, NDArray bias, long channels) {
        this.groups = groups;
        this.eps = eps;
        this.weight = weight;
        this.bias = bias;
        this.weight4d = weight.reshape(1, channels, 1, 1);
        this.bias4d = bias.reshape(1, channels, 1, 1);
        this.channels = channels;
    }

    public static GroupNorm load(WeightScope w, int groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.path() + ": " + channels + " channels not divisible by " + groups + " groups");
        }
        return new GroupNorm(groups, (float) eps, w.get("weight", channels), w.get("bias", channels), channels);
    }

    private static final TorchScriptOp NATIVE = new TorchScriptOp("group_norm.pt");

    public NDArray forward(NDArray x) {
        return forward(x, false);
    }

    /** SiLU(GroupNorm(x)): one fused call on the native path. */
    public NDArray forwardSilu(NDArray x) {
        return forward(x, true);
    }

    private NDArray forward(NDArray x, boolean silu) {
        long t = OpProfiler.start();
        Optional<PtSymbolBlock> module = "composed".equals(System.getProperty("t2vzero.groupnorm"))
                ? Optional.empty() : NATIVE.module(x.getDevice());
        NDArray y;
        if (module.isPresent()) {
            y = TorchScriptOp.call(module.get(), x.getManager(), x, groups, weight, bias, (double) eps, silu);
        } else {
            NDArray n = normalize(x);
            y = silu ? siluInPlace(n) : n;
        }
        OpProfiler.stop("groupnorm", t);
        return y;
    }

    /** x * sigmoid(x), reusing x's buffer: {@code x} is this class's own temporary. */
    private static NDArray siluInPlace(NDArray x) {
        NDArray s = x.getNDArrayInternal().sigmoid();
        x.muli(s);
        s.close();
        return x;
    }

    private NDArray normalize(NDArray x) {
        Shape shape = x.getShape();
        long b = shape.get(0);
        long bg = b * groups;
        NDManager m = x.getManager();
        NDArray grouped = x.reshape(1, bg, -1);                               // [1, B*G, C/G * H * W]
        // running stats are scratch (momentum 0: never read); unit gamma, zero beta: the affine is per channel, below
        NDArray mean = m.zeros(new Shape(bg), x.getDataType());
        NDArray var = m.ones(new Shape(bg), x.getDataType());
        NDArray gamma = m.ones(new Shape(bg), x.getDataType());
        NDArray beta = m.zeros(new Shape(bg), x.getDataType());
        // axis -1: DJL passes the input straight to torch's batch_norm (channels = dim 1); axis 1 would add a
        // transpose round trip through a sub-manager
        NDArray normed = x.getNDArrayInternal()
                .batchNorm(grouped, mean, var, gamma, beta, -1, 0f, eps, true)
                .singletonOrThrow();
        NDArray out = normed.reshape(shape);                                   // [B, C, ...]
        normed.close();
        if (shape.dimension() == 4) {
            out.muli(weight4d).addi(bias4d);
        } else {
            long[] affineShape = new long[shape.dimension()];
            java.util.Arrays.fill(affineShape, 1);
            affineShape[1] = channels;
            Shape a = new Shape(affineShape);                                  // [1, C, 1, ...]
            NDArray wa = weight.reshape(a);
            NDArray ba = bias.reshape(a);
            out.muli(wa).addi(ba);
            wa.close();
            ba.close();
        }
        grouped.close();
        mean.close();
        var.close();
        gamma.close();
        beta.close();
        return out;
    }
}
