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

/**
 * diffusers' {@code CrossAttnUpBlock2D}: {@code layers} x (concat the last unused skip on channels, resnet,
 * Transformer2DModel), then an optional nearest-2x upsampler with conv.
 */
public final class CrossAttnUpBlock2D implements UNetUpBlock {

    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Upsample2D upsampler; // upsamplers.0, or null in the last block
    private final List<String> resnetNames;
    private final List<String> attentionNames;

    private CrossAttnUpBlock2D(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Upsample2D upsampler,
                               String name) {
        this.resnets = List.copyOf(resnets);
        this.attentions = List.copyOf(attentions);
        this.upsampler = upsampler;
        this.resnetNames = CrossAttnDownBlock2D.names(name + ".resnets.", resnets.size());
        this.attentionNames = CrossAttnDownBlock2D.names(name + ".attentions.", attentions.size());
    }

    public static CrossAttnUpBlock2D load(WeightScope w, long in, long out, long prevOut, int layers,
                                          boolean addUpsample, int heads, int transformerLayers, BlockSettings s) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        List<Transformer2DModel> attentions = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            resnets.add(ResnetBlock2D.load(w.child("resnets").child(j),
                    UNetUpBlock.resnetInChannels(j, layers, in, out, prevOut), out, s.tembChannels(), s.groups(), s.eps()));
            attentions.add(Transformer2DModel.load(w.child("attentions").child(j), out, heads, transformerLayers,
                    s.crossAttentionDim(), s.groups(), s.useLinearProjection(), s.upcastAttention()));
        }
        Upsample2D up = addUpsample ? Upsample2D.load(w.child("upsamplers").child(0), out, out) : null;
        return new CrossAttnUpBlock2D(resnets, attentions, up, w.path());
    }

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
                NDArray r = resnets.get(j).forward(cat, temb);
                cat.close();
                hook.onOutput(resnetNames.get(j), r);
                h = attentions.get(j).forward(r, encoderHiddenStates, processors);
                hook.onOutput(attentionNames.get(j), h);
                r.close();
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
