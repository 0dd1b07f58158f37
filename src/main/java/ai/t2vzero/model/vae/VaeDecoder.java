package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Activations;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.nn.GroupNorm;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * diffusers' VAE {@code Decoder} (norm_type "group"): latent [B, latent, h, w] -> image [B, out, h*f, w*f] with
 * f = 2^(blocks - 1).
 * <pre>
 *   conv_in -> mid_block -> up_blocks.0..n-1 (channels = reversed block_out_channels) -> conv_norm_out -> SiLU
 *   -> conv_out
 * </pre>
 */
public final class VaeDecoder {

    private final String name;
    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final List<UpDecoderBlock2D> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    private VaeDecoder(String name, Conv2d convIn, UNetMidBlock2D midBlock, List<UpDecoderBlock2D> upBlocks,
                       GroupNorm convNormOut, Conv2d convOut) {
        this.name = name;
        this.convIn = convIn;
        this.midBlock = midBlock;
        this.upBlocks = upBlocks;
        this.convNormOut = convNormOut;
        this.convOut = convOut;
    }

    public static VaeDecoder load(WeightScope w, AutoencoderKLConfig cfg) {
        List<Integer> ch = cfg.blockOutChannels();
        int groups = cfg.normNumGroups();
        double eps = AutoencoderKLConfig.NORM_EPS;
        int n = ch.size();
        long top = ch.get(n - 1);
        Conv2d convIn = Conv2d.load3x3(w.child("conv_in"), cfg.latentChannels(), top);
        // F(4x4, 3x3) allowed in the decoder: its output is decoded once to pixels, no denoising loop carries it on
        UNetMidBlock2D mid = UNetMidBlock2D.load(w.child("mid_block"), top, groups, eps, cfg.midBlockAddAttention(),
                true);
        WeightScope blocks = w.child("up_blocks");
        List<UpDecoderBlock2D> up = new ArrayList<>();
        long in = top;
        for (int i = 0; i < n; i++) {
            long out = ch.get(n - 1 - i);
            boolean last = i == n - 1;
            up.add(UpDecoderBlock2D.load(blocks.child(i), in, out, cfg.layersPerBlock() + 1, groups, eps, !last));
            in = out;
        }
        long bottom = ch.get(0);
        return new VaeDecoder(w.path(), convIn, mid, List.copyOf(up),
                GroupNorm.load(w.child("conv_norm_out"), groups, bottom, eps),
                Conv2d.load3x3(w.child("conv_out"), bottom, cfg.outChannels()));
    }

    /**
     * @param z   latent [B, latent, h, w] (unscaled: already divided by scaling_factor, after post_quant_conv)
     * @param tap receives each submodule's output by checkpoint name ({@code decoder.up_blocks.2}); may be null.
     *            The tensors are closed after the call: copy what you keep.
     * @return image [B, out, h*f, w*f], unclamped (about [-1, 1])
     */
    public NDArray forward(NDArray z, BiConsumer<String, NDArray> tap) {
        // 1. conv_in
        NDArray h = convIn.forward(z);
        tap(tap, "conv_in", h);
        // 2. mid
        NDArray mid = midBlock.forward(h);
        h.close();
        h = mid;
        tap(tap, "mid_block", h);
        // 3. up
        for (int i = 0; i < upBlocks.size(); i++) {
            NDArray next = upBlocks.get(i).forward(h);
            h.close();
            h = next;
            tap(tap, "up_blocks." + i, h);
        }
        // 4. post-process
        NDArray normed = convNormOut.forward(h);
        h.close();
        tap(tap, "conv_norm_out", normed);
        NDArray act = Activations.silu(normed);
        normed.close();
        NDArray out = convOut.forward(act);
        act.close();
        tap(tap, "conv_out", out);
        return out;
    }

    private void tap(BiConsumer<String, NDArray> tap, String module, NDArray value) {
        if (tap != null) {
            tap.accept(name + "." + module, value);
        }
    }
}
