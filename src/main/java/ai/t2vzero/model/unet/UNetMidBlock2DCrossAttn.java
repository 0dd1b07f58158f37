package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.ResnetBlock2D;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn} (num_layers 1, output_scale_factor 1):
 * {@code resnets.0 -> (attentions.i -> resnets.i+1)}; channels unchanged.
 */
public final class UNetMidBlock2DCrossAttn {

    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;

    private UNetMidBlock2DCrossAttn(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions) {
        this.resnets = List.copyOf(resnets);
        this.attentions = List.copyOf(attentions);
    }

    public static UNetMidBlock2DCrossAttn load(WeightScope w, long channels, int heads, int transformerLayers,
                                               BlockSettings s) {
        int layers = 1;
        List<ResnetBlock2D> resnets = new ArrayList<>();
        List<Transformer2DModel> attentions = new ArrayList<>();
        resnets.add(ResnetBlock2D.load(w.child("resnets").child(0), channels, channels, s.tembChannels(), s.groups(),
                s.eps()));
        for (int i = 0; i < layers; i++) {
            attentions.add(Transformer2DModel.load(w.child("attentions").child(i), channels, heads, transformerLayers,
                    s.crossAttentionDim(), s.groups(), s.useLinearProjection(), s.upcastAttention()));
            resnets.add(ResnetBlock2D.load(w.child("resnets").child(i + 1), channels, channels, s.tembChannels(),
                    s.groups(), s.eps()));
        }
        return new UNetMidBlock2DCrossAttn(resnets, attentions);
    }

    /** [B, C, H, W] -> [B, C, H, W]. */
    public NDArray forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, AttnProcessors processors) {
        return Scopes.keep(() -> {
            NDArray h = resnets.get(0).forward(hidden, temb);
            for (int i = 0; i < attentions.size(); i++) {
                NDArray a = attentions.get(i).forward(h, encoderHiddenStates, processors);
                h.close();
                h = resnets.get(i + 1).forward(a, temb);
                a.close();
            }
            return h;
        });
    }
}
