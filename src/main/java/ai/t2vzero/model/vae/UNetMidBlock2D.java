package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE uses it (one layer, no time embedding):
 * {@code resnets.0 -> attentions.0 -> resnets.1}; without attention ({@code mid_block_add_attention=false}) the
 * two resnets follow each other directly.
 */
final class UNetMidBlock2D {

    private final List<ResnetBlock2D> resnets;
    private final AttentionBlock attention; // attentions.0, or null

    private UNetMidBlock2D(List<ResnetBlock2D> resnets, AttentionBlock attention) {
        this.resnets = resnets;
        this.attention = attention;
    }

    /** @param largeTiles its convolutions may run as F(4x4, 3x3) (the decoder's: {@code Conv2d.load3x3}) */
    static UNetMidBlock2D load(WeightScope w, long channels, int groups, double eps, boolean addAttention,
                               boolean largeTiles) {
        WeightScope r = w.child("resnets");
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            resnets.add(ResnetBlock2D.load(r.child(i), channels, channels, 0, groups, eps, largeTiles));
        }
        AttentionBlock attn = addAttention
                ? AttentionBlock.load(w.child("attentions").child(0), channels, groups, eps) : null;
        return new UNetMidBlock2D(List.copyOf(resnets), attn);
    }

    /** [B, C, h, w] -> [B, C, h, w]. */
    NDArray forward(NDArray x) {
        NDArray h = resnets.get(0).forward(x, null);
        if (attention != null) {
            NDArray a = attention.forward(h);
            h.close();
            h = a;
        }
        NDArray out = resnets.get(1).forward(h, null);
        h.close();
        return out;
    }
}
