/** Checkpoints: safetensors and torch.save zip reading (a restricted unpickler that runs nothing from the file), single-file SD 1.x checkpoints mapped to diffusers keys, the strict weight store (missing, unused and mis-shaped keys named), diffusers bundle layout and configs. */
package ai.t2vzero.weights;
