package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.model.nn.Upsample2D;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/** diffusers' {@code UpBlock2D}: {@code layers} x (concat the last unused skip, resnet), optional upsampler. */
public final class UpBlock2D implements UNetUpBlock {

    private final List<ResnetBlock2D> resnets;
    private final Upsample2D upsampler; // upsamplers.0, or null in the last block
    private final List<String> resnetNames;

    private UpBlock2D(List<ResnetBlock2D> resnets, Upsample2D upsampler, String name) {
        this.resnets = List.copyOf(resnets);
        this.upsampler = upsampler;
        this.resnetNames = CrossAttnDownBlock2D.names(name + ".resnets.", resnets.size());
    }

    public static UpBlock2D load(WeightScope w, long in, long out, long prevOut, int layers, boolean addUpsample,
                                 BlockSettings s) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            resnets.add(ResnetBlock2D.load(w.child("resnets").child(j),
                    UNetUpBlock.resnetInChannels(j, layers, in, out, prevOut), out, s.tembChannels(), s.groups(), s.eps()));
        }
        Upsample2D up = addUpsample ? Upsample2D.load(w.child("upsamplers").child(0), out, out) : null;
        return new UpBlock2D(resnets, up, w.path());
    }

    /** Text and processors are unused: no attention here. */
    @Override
    public NDArray forward(NDArray hidden, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
                           AttnProcessors processors, long[] upsampleSize, ForwardHook hook) {
        return Scopes.keep(() -> {
            NDArray h = hidden;
            int skip = resHiddenStates.size();
            for (int j = 0; j < resnets.size(); j++) {
                NDArray cat = NDArrays.concat(1, h, resHiddenStates.get(--skip)); // [B, C + Cskip, H, W]
                if (h != hidden) {
                    h.close();
                }
                h = resnets.get(j).forward(cat, temb);
                cat.close();
                hook.onOutput(resnetNames.get(j), h);
            }
            if (upsampler != null) {
                NDArray up = upsampler.forward(h, upsampleSize);
                h.close();
                h = up;
            }
            return h;
        });
    }

    @Override
    public int numResnets() {
        return resnets.size();
    }
}
