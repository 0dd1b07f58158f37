/**
 * The Stable Diffusion 1.x model stack implemented on DJL: {@code nn} (shared blocks), {@code clip}, {@code unet},
 * {@code vae}, {@code controlnet}. Models are stateless functions of their weights; nothing here imports Quarkus.
 */
package ai.t2vzero.model;
