package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Downsample2D;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code DownEncoderBlock2D}: {@code layers_per_block} resnets (no time embedding), then, except in the
 * last block, {@code downsamplers.0}: a stride-2 3x3 conv with padding 0 after padding the input by (0, 1, 0, 1).
 */
final class DownEncoderBlock2D {

    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler; // downsamplers.0, or null in the last block

    private DownEncoderBlock2D(List<ResnetBlock2D> resnets, Downsample2D downsampler) {
        this.resnets = resnets;
        this.downsampler = downsampler;
    }

    static DownEncoderBlock2D load(WeightScope w, long in, long out, int layers, int groups, double eps,
                                   boolean addDownsample) {
        WeightScope r = w.child("resnets");
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            resnets.add(ResnetBlock2D.load(r.child(i), i == 0 ? in : out, out, 0, groups, eps));
        }
        Downsample2D down = addDownsample
                ? Downsample2D.load(w.child("downsamplers").child(0), out, out, 0) : null;
        return new DownEncoderBlock2D(List.copyOf(resnets), down);
    }

    /** [B, in, H, W] -> [B, out, H/2, W/2] (or [B, out, H, W] in the last block). Never closes {@code x}. */
    NDArray forward(NDArray x) {
        NDArray h = x;
        for (ResnetBlock2D resnet : resnets) {
            NDArray next = resnet.forward(h, null);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        if (downsampler != null) {
            NDArray next = downsampler.forward(h);
            if (h != x) {
                h.close();
            }
            h = next;
        }
        return h;
    }
}
