package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;

/**
 * What {@link ClipTextModel#forward} returns (transformers' {@code BaseModelOutputWithPooling}).
 *
 * @param lastHiddenState [N, L, D] after final_layer_norm: the prompt embeddings Stable Diffusion conditions on
 * @param poolerOutput    [N, D] the last hidden state at each sequence's eos position
 */
public record ClipTextOutput(NDArray lastHiddenState, NDArray poolerOutput) {}
