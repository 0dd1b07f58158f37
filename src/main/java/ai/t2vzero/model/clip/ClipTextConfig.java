package ai.t2vzero.model.clip;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.List;

/**
 * transformers' {@code CLIPTextConfig}, read from a bundle's {@code text_encoder/config.json}. Only the fields that
 * shape the inference graph are kept; options we do not implement are refused by name.
 *
 * <pre>
 * // https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/text_encoder/config.json (openai/clip-vit-large-patch14):
 * // vocab_size 49408, hidden_size 768, intermediate_size 3072, num_hidden_layers 12, num_attention_heads 12,
 * // max_position_embeddings 77, hidden_act "quick_gelu", layer_norm_eps 1e-5, eos_token_id 2 (legacy pooling)
 * </pre>
 *
 * @param vocabSize             number of token embeddings
 * @param hiddenSize            dimensionality of the encoder layers (D)
 * @param intermediateSize      dimensionality of the MLP's hidden layer
 * @param numHiddenLayers       number of encoder layers
 * @param numAttentionHeads     attention heads per layer
 * @param maxPositionEmbeddings longest sequence the position embedding covers (77)
 * @param hiddenAct             MLP activation: "quick_gelu" (OpenAI CLIP) or "gelu" (OpenCLIP)
 * @param layerNormEps          epsilon of every layer norm
 * @param eosTokenId            id whose first occurrence is pooled; 2 selects transformers' legacy argmax pooling
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        int eosTokenId) {

    private static final List<String> ACTIVATIONS = List.of("quick_gelu", "gelu");

    public ClipTextConfig {
        if (!ACTIVATIONS.contains(hiddenAct)) {
            throw new WeightLoadException("CLIP text config: hidden_act '" + hiddenAct + "' is not supported (only "
                    + ACTIVATIONS + ")");
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new WeightLoadException("CLIP text config: hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
    }

    public static ClipTextConfig from(ConfigJson c) {
        String modelType = c.getString("model_type", "clip_text_model");
        if (!modelType.equals("clip_text_model")) {
            throw new WeightLoadException(c.source() + ": model_type '" + modelType
                    + "' is not supported (only a CLIPTextModel config, model_type clip_text_model)");
        }
        if (c.has("architectures")) {
            List<String> arch = c.getStringList("architectures");
            if (!arch.contains("CLIPTextModel")) {
                throw new WeightLoadException(c.source() + ": architectures " + arch
                        + " is not supported (only CLIPTextModel; a projection head would be ignored)");
            }
        }
        return new ClipTextConfig(
                c.getInt("vocab_size"),
                c.getInt("hidden_size"),
                c.getInt("intermediate_size"),
                c.getInt("num_hidden_layers"),
                c.getInt("num_attention_heads"),
                c.getInt("max_position_embeddings"),
                // CLIPTextConfig's own defaults where a key is absent
                c.getString("hidden_act", "quick_gelu"),
                c.getDouble("layer_norm_eps", 1e-5),
                c.getInt("eos_token_id", 49407));
    }

    /** Channels per attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * transformers keeps configs saved before its pooling fix (eos_token_id 2) on the old rule: pool at the argmax of
     * the ids, which is the first eos because eos (49407) is the largest id of CLIP's vocab.
     */
    public boolean legacyPooling() {
        return eosTokenId == 2;
    }
}
