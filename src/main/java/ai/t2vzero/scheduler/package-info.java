/**
 * Diffusion schedulers (DDIM, PNDM/PLMS, Euler-Ancestral) ported from diffusers 0.27: schedule arithmetic on the
 * host, per-step updates as NDArray ops, randomness only through {@link ai.t2vzero.runtime.NoiseSource}.
 */
package ai.t2vzero.scheduler;
