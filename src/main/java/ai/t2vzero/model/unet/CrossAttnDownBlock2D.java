package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.Downsample2D;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code CrossAttnDownBlock2D}: {@code layers} x (resnet, Transformer2DModel), each pair's output kept as
 * a skip connection, then an optional stride-2 downsampler (also kept).
 */
public final class CrossAttnDownBlock2D implements UNetDownBlock {

    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Downsample2D downsampler; // downsamplers.0, or null in the last block
    private final List<String> resnetNames;
    private final List<String> attentionNames;

    private CrossAttnDownBlock2D(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions,
                                 Downsample2D downsampler, String name) {
        this.resnets = List.copyOf(resnets);
        this.attentions = List.copyOf(attentions);
        this.downsampler = downsampler;
        this.resnetNames = names(name + ".resnets.", resnets.size());
        this.attentionNames = names(name + ".attentions.", attentions.size());
    }

    public static CrossAttnDownBlock2D load(WeightScope w, long in, long out, int layers, boolean addDownsample,
                                            int heads, int transformerLayers, BlockSettings s) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        List<Transformer2DModel> attentions = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            resnets.add(ResnetBlock2D.load(w.child("resnets").child(j), j == 0 ? in : out, out, s.tembChannels(),
                    s.groups(), s.eps()));
            attentions.add(Transformer2DModel.load(w.child("attentions").child(j), out, heads, transformerLayers,
                    s.crossAttentionDim(), s.groups(), s.useLinearProjection(), s.upcastAttention()));
        }
        Downsample2D down = addDownsample
                ? Downsample2D.load(w.child("downsamplers").child(0), out, out, s.downsamplePadding()) : null;
        return new CrossAttnDownBlock2D(resnets, attentions, down, w.path());
    }

    @Override
    public NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, AttnProcessors processors,
                          ForwardHook hook) {
        return Scopes.keepAll(() -> {
            NDList outputStates = new NDList();
            NDArray h = hidden;
            for (int j = 0; j < resnets.size(); j++) {
                NDArray r = resnets.get(j).forward(h, temb);
                hook.onOutput(resnetNames.get(j), r);
                h = attentions.get(j).forward(r, encoderHiddenStates, processors);
                hook.onOutput(attentionNames.get(j), h);
                r.close();
                outputStates.add(h);
            }
            if (downsampler != null) {
                outputStates.add(downsampler.forward(h));
            }
            return outputStates;
        });
    }

    @Override
    public int numOutputStates() {
        return resnets.size() + (downsampler != null ? 1 : 0);
    }

    static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return List.copyOf(out);
    }
}
