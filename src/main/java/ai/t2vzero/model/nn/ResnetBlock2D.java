package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

/**
 * diffusers' {@code ResnetBlock2D} (time_embedding_norm "default", output_scale_factor 1):
 * <pre>
 *   h = conv1(silu(norm1(x)))
 *   h = h + time_emb_proj(silu(temb))[:, :, None, None]     (UNet/ControlNet only; the VAE has no temb)
 *   h = conv2(silu(norm2(h)))                                (dropout: identity at inference)
 *   out = (conv_shortcut(x) if in != out else x) + h
 * </pre>
 */
public final class ResnetBlock2D {

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj; // null without time embedding
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut; // null when in == out

    private ResnetBlock2D(GroupNorm norm1, Conv2d conv1, Linear timeEmbProj, GroupNorm norm2, Conv2d conv2,
                          Conv2d convShortcut) {
        this.norm1 = norm1;
        this.conv1 = conv1;
        this.timeEmbProj = timeEmbProj;
        this.norm2 = norm2;
        this.conv2 = conv2;
        this.convShortcut = convShortcut;
    }

    /** @param tembChannels time-embedding width, or 0 for none (VAE). */
    public static ResnetBlock2D load(WeightScope w, long in, long out, long tembChannels, int groups, double eps) {
        return load(w, in, out, tembChannels, groups, eps, false);
    }

    /** As above; {@code largeTiles}: its 3x3 convolutions may run as F(4x4, 3x3) ({@link Conv2d#load3x3}). */
    public static ResnetBlock2D load(WeightScope w, long in, long out, long tembChannels, int groups, double eps,
                                     boolean largeTiles) {
        return new ResnetBlock2D(
                GroupNorm.load(w.child("norm1"), groups, in, eps),
                Conv2d.load3x3(w.child("conv1"), in, out, largeTiles),
                tembChannels > 0 ? Linear.load(w.child("time_emb_proj"), tembChannels, out, true) : null,
                GroupNorm.load(w.child("norm2"), groups, out, eps),
                Conv2d.load3x3(w.child("conv2"), out, out, largeTiles),
                in != out ? Conv2d.load1x1(w.child("conv_shortcut"), in, out) : null);
    }

    /** x [B, in, H, W], temb [B, T] or null -> [B, out, H, W]. */
    public NDArray forward(NDArray x, NDArray temb) {
        return Scopes.keep(() -> {
            NDArray h = normActConv(norm1, conv1, x);
            if (timeEmbProj != null && temb != null) {
                NDArray t = timeEmbProj.forward(Activations.silu(temb));        // [B, out]
                h = h.addi(t.expandDims(-1).expandDims(-1));                    // + [B, out, 1, 1]
            }
            NDArray h2 = normActConv(norm2, conv2, h);
            h.close();
            NDArray shortcut = convShortcut != null ? convShortcut.forward(x) : x;
            return h2.addi(shortcut);
        });
    }

    /** conv(silu(norm(x))), freeing each intermediate as soon as it is consumed (peak: two activations). */
    private static NDArray normActConv(GroupNorm norm, Conv2d conv, NDArray x) {
        NDArray a = norm.forwardSilu(x);                                        // one fused call
        NDArray y = conv.forward(a);
        a.close();
        return y;
    }
}
