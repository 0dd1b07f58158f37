/** Checkpoints: safetensors reading and writing, the strict weight store (missing, unused and mis-shaped keys named), diffusers bundle layout and configs. */
package ai.t2vzero.weights;
