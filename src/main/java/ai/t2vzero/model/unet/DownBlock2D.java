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

/** diffusers' {@code DownBlock2D}: {@code layers} resnets (each output kept as a skip), optional downsampler. */
public final class DownBlock2D implements UNetDownBlock {

    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler; // downsamplers.0, or null in the last block
    private final List<String> resnetNames;

    private DownBlock2D(List<ResnetBlock2D> resnets, Downsample2D downsampler, String name) {
        this.resnets = List.copyOf(resnets);
        this.downsampler = downsampler;
        this.resnetNames = CrossAttnDownBlock2D.names(name + ".resnets.", resnets.size());
    }

    public static DownBlock2D load(WeightScope w, long in, long out, int layers, boolean addDownsample,
                                   BlockSettings s) {
        List<ResnetBlock2D> resnets = new ArrayList<>();
        for (int j = 0; j < layers; j++) {
            resnets.add(ResnetBlock2D.load(w.child("resnets").child(j), j == 0 ? in : out, out, s.tembChannels(),
                    s.groups(), s.eps()));
        }
        Downsample2D down = addDownsample
                ? Downsample2D.load(w.child("downsamplers").child(0), out, out, s.downsamplePadding()) : null;
        return new DownBlock2D(resnets, down, w.path());
    }

    /** Text and processors are unused: no attention here. */
    @Override
    public NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, AttnProcessors processors,
                          ForwardHook hook) {
        return Scopes.keepAll(() -> {
            NDList outputStates = new NDList();
            NDArray h = hidden;
            for (int j = 0; j < resnets.size(); j++) {
                h = resnets.get(j).forward(h, temb);
                hook.onOutput(resnetNames.get(j), h);
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
}
