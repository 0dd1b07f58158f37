package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.model.nn.Upsample2D;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UpDecoderBlock2D}: {@code layers_per_block + 1} resnets (no time embedding, no skip
 * connections), then, except in the last block, {@code upsamplers.0}: nearest-neighbour 2x, then a 3x3 conv.
 */
final class UpDecoderBlock2D {

    private final List<ResnetBlock2D> resnets;
    private final Upsample2D upsampler; // upsamplers.0, or null in the last block

    private UpDecoderBlock2D(List<ResnetBlock2D> resnets, Upsample2D upsampler) {
        this.resnets = resnets;
        this.upsampler = upsampler;
    }

    /** The decoder's convolutions may run as F(4x4, 3x3) ({@code Conv2d.load3x3}: its output is decoded once). */
    static UpDecoderBlock2D load(WeightScope w, long in, long out, int layers, int groups, double eps,
                                 boolean addUpsample) {
        WeightScope r = w.child("resnets");
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            resnets.add(ResnetBlock2D.load(r.child(i), i == 0 ? in : out, out, 0, groups, eps, true));
        }
        Upsample2D up = addUpsample ? Upsample2D.load(w.child("upsamplers").child(0), out, out) : null;
        return new UpDecoderBlock2D(List.copyOf(resnets), up);
    }

    /** [B, in, h, w] -> [B, out, 2h, 2w] (or [B, out, h, w] in the last block). Never closes {@code x}. */
    NDArray forward(NDArray x) {
        NDArray h = x;
        for (ResnetBlock2D resnet : resnets) {
            NDArray next = resnet.forward(h, null);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        if (upsampler != null) {
            NDArray next = upsampler.forward(h, null);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }
}
