package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.clip.ClipTextModel;
import ai.t2vzero.model.clip.ClipTokenizer;
import ai.t2vzero.model.nn.NDArrays;

import java.util.List;

/**
 * diffusers' {@code encode_prompt} for SD 1.x: tokenize (pad/truncate to 77), run the text encoder without an
 * attention mask, take the last hidden state. Over-long prompts are truncated as diffusers does.
 */
public final class PromptEncoder {

    private PromptEncoder() {}

    /** [1, 77, D] embeddings of one prompt. */
    public static NDArray encode(ClipTokenizer tokenizer, ClipTextModel textEncoder, NDManager manager, String prompt) {
        NDArray ids = tokenizer.inputIds(manager, List.of(prompt)); // [1, 77] int64
        NDArray out = textEncoder.forward(ids).lastHiddenState();
        ids.close();
        return out;
    }

    /** [2, 77, D] for classifier-free guidance: the negative prompt ("" when none) first, then the prompt. */
    public static NDArray encodeWithGuidance(StableDiffusionModels m, NDManager manager, String prompt, String negative) {
        NDArray uncond = encode(m.tokenizer(), m.textEncoder(), manager, negative == null ? "" : negative);
        NDArray cond = encode(m.tokenizer(), m.textEncoder(), manager, prompt);
        return NDArrays.concat(0, uncond, cond); // [2, 77, D]: uncond first
    }

    /** [2, 77, D] (negative first) under classifier-free guidance, else [1, 77, D] of the prompt alone. */
    public static NDArray encode(StableDiffusionModels m, NDManager manager, boolean guidance, String prompt,
                                 String negative) {
        return guidance ? encodeWithGuidance(m, manager, prompt, negative)
                : encode(m.tokenizer(), m.textEncoder(), manager, prompt);
    }
}
