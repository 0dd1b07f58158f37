/** Stable Diffusion's denoising UNet (diffusers' UNet2DConditionModel and its blocks), with per-call attention processors. */
package ai.t2vzero.model.unet;
