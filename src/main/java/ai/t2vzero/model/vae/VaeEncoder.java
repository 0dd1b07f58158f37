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
 * diffusers' VAE {@code Encoder} (double_z): image [B, in, H, W] -> moments [B, 2 * latent, H/f, W/f] with
 * f = 2^(blocks - 1).
 * <pre>
 *   conv_in -> down_blocks.0..n-1 -> mid_block -> conv_norm_out -> SiLU -> conv_out
 * </pre>
 */
public final class VaeEncoder {

    private final String name;
    private final Conv2d convIn;
    private final List<DownEncoderBlock2D> downBlocks;
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    private VaeEncoder(String name, Conv2d convIn, List<DownEncoderBlock2D> downBlocks, UNetMidBlock2D midBlock,
                       GroupNorm convNormOut, Conv2d convOut) {
        this.name = name;
        this.convIn = convIn;
        this.downBlocks = downBlocks;
        this.midBlock = midBlock;
        this.convNormOut = convNormOut;
        this.convOut = convOut;
    }

    public static VaeEncoder load(WeightScope w, AutoencoderKLConfig cfg) {
        List<Integer> ch = cfg.blockOutChannels();
        int groups = cfg.normNumGroups();
        double eps = AutoencoderKLConfig.NORM_EPS;
        Conv2d convIn = Conv2d.load3x3(w.child("conv_in"), cfg.inChannels(), ch.get(0));
        WeightScope blocks = w.child("down_blocks");
        List<DownEncoderBlock2D> down = new ArrayList<>();
        long in = ch.get(0);
        for (int i = 0; i < ch.size(); i++) {
            long out = ch.get(i);
            boolean last = i == ch.size() - 1;
            down.add(DownEncoderBlock2D.load(blocks.child(i), in, out, cfg.layersPerBlock(), groups, eps, !last));
            in = out;
        }
        long top = ch.get(ch.size() - 1);
        return new VaeEncoder(w.path(), convIn, List.copyOf(down),
                UNetMidBlock2D.load(w.child("mid_block"), top, groups, eps, cfg.midBlockAddAttention(), false),
                GroupNorm.load(w.child("conv_norm_out"), groups, top, eps),
                Conv2d.load3x3(w.child("conv_out"), top, 2L * cfg.latentChannels()));
    }

    /**
     * @param x   image [B, in, H, W] in [-1, 1]
     * @param tap receives each submodule's output by checkpoint name ({@code encoder.down_blocks.0}); may be null.
     *            The tensors are closed after the call: copy what you keep.
     * @return moments [B, 2 * latent, H/f, W/f] (mean channels first, then logvar)
     */
    public NDArray forward(NDArray x, BiConsumer<String, NDArray> tap) {
        // 1. conv_in
        NDArray h = convIn.forward(x);
        tap(tap, "conv_in", h);
        // 2. down
        for (int i = 0; i < downBlocks.size(); i++) {
            NDArray next = downBlocks.get(i).forward(h);
            h.close();
            h = next;
            tap(tap, "down_blocks." + i, h);
        }
        // 3. mid
        NDArray mid = midBlock.forward(h);
        h.close();
        h = mid;
        tap(tap, "mid_block", h);
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
