/** The Stable Diffusion VAE (diffusers' AutoencoderKL): images to latent distributions and latents back to images. */
package ai.t2vzero.model.vae;
