package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Activations;
import ai.t2vzero.model.nn.LayerNorm;
import ai.t2vzero.model.nn.Linear;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.function.UnaryOperator;

/**
 * transformers' {@code CLIPEncoderLayer}, a pre-norm transformer block:
 * {@code x = x + self_attn(layer_norm1(x)); x = x + fc2(act(fc1(layer_norm2(x))))} (the MLP is {@code CLIPMLP}).
 * Shapes are [B, L, D] throughout; the MLP's hidden layer is [B, L, intermediate_size].
 */
final class ClipEncoderLayer {

    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final Linear fc1;
    private final Linear fc2;
    private final UnaryOperator<NDArray> activation;

    private ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention selfAttn, LayerNorm layerNorm2, Linear fc1, Linear fc2,
                             UnaryOperator<NDArray> activation) {
        this.layerNorm1 = layerNorm1;
        this.selfAttn = selfAttn;
        this.layerNorm2 = layerNorm2;
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.activation = activation;
    }

    static ClipEncoderLayer load(WeightScope w, ClipTextConfig config) {
        long dim = config.hiddenSize();
        long inner = config.intermediateSize();
        WeightScope mlp = w.child("mlp");
        return new ClipEncoderLayer(
                LayerNorm.load(w.child("layer_norm1"), dim, config.layerNormEps()),
                ClipAttention.load(w.child("self_attn"), config),
                LayerNorm.load(w.child("layer_norm2"), dim, config.layerNormEps()),
                Linear.load(mlp.child("fc1"), dim, inner, true),
                Linear.load(mlp.child("fc2"), inner, dim, true),
                Activations.byName(config.hiddenAct()));
    }

    /** [B, L, D] -> [B, L, D]; {@code causalMask} is the [L, L] additive mask. Intermediates are freed on return. */
    NDArray forward(NDArray hidden, NDArray causalMask) {
        return Scopes.keep(() -> {
            // 1. self-attention, residual
            NDArray x = hidden.add(selfAttn.forward(layerNorm1.forward(hidden), causalMask));
            // 2. MLP, residual
            NDArray mlp = fc2.forward(activation.apply(fc1.forward(layerNorm2.forward(x))));
            return x.addi(mlp);
        });
    }
}
