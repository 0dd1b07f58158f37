/** CLIP text side of Stable Diffusion: the BPE tokenizer and the causal text transformer that embeds prompts. */
package ai.t2vzero.model.clip;
