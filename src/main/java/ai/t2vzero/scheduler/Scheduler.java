package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.NoiseSource;

/**
 * A diffusers noise scheduler: the schedule of a denoising loop and its per-step update.
 *
 * <p><b>Timesteps are doubles</b>, the values of the training timestep axis (0..T-1) that the UNet embeds:
 * DDIM and PNDM hand out integral values (diffusers' int64 timesteps), Euler-Ancestral float32 values (999.0,
 * 946.4211...). A caller passes back exactly the values of {@link #timesteps()}, so one loop serves every scheduler:
 * <pre>
 * scheduler.setTimesteps(n);
 * x = noise * scheduler.initNoiseSigma();
 * for (double t : scheduler.timesteps()) {
 *     eps = unet(scheduler.scaleModelInput(x, t), t);
 *     x = scheduler.step(eps, t, x, noise).prevSample();
 * }
 * </pre>
 *
 * <p><b>Stateful and not thread-safe</b>: {@code step} advances internal state (PNDM's history of model outputs,
 * Euler-Ancestral's step index), so one instance serves one denoising loop on one thread. {@link #copy()} gives an
 * independent deep copy (the Text2Video-Zero pipeline resumes from a copy taken mid-way).
 *
 * <p>Schedule arithmetic ({@link #alphasCumprod()}, timesteps, sigmas) lives in host arrays holding the float32
 * values diffusers computes; {@code step} only combines NDArrays with host scalars, never reads a device value.
 * Randomness comes only from the {@link NoiseSource} passed to {@code step}. Arrays returned by {@code step},
 * {@code scaleModelInput} and {@code addNoise} belong to the manager of their input sample (and the current NDScope);
 * the scheduler's own intermediates are freed before returning.
 */
public interface Scheduler extends AutoCloseable {

    /** The config this scheduler was built from. */
    SchedulerConfig config();

    /** Sets the {@code numInferenceSteps} timesteps of the denoising loop and resets the step state. */
    void setTimesteps(int numInferenceSteps);

    /** The denoising timesteps, in order (a copy). PNDM has n + 1 of them (the second one repeated). */
    double[] timesteps();

    /** Standard deviation of the initial noise: the initial latents are {@code randn * initNoiseSigma()}. */
    default double initNoiseSigma() {
        return 1.0; // variance-preserving schedulers (DDIM, PNDM, DPM-Solver++) start from unit noise
    }

    /** The UNet input for {@code sample} at {@code timestep} (identity for DDIM/PNDM). */
    default NDArray scaleModelInput(NDArray sample, double timestep) {
        return sample; // identity for variance-preserving schedulers: the UNet takes the sample as it is
    }

    /**
     * One reverse-diffusion step: x_t ({@code sample}) and the model output at {@code timestep} give x_{t-1}.
     *
     * @param noise the source of the step's random draws (DDIM with eta > 0, Euler-Ancestral); unused otherwise
     */
    StepOutput step(NDArray modelOutput, double timestep, NDArray sample, NoiseSource noise);

    /**
     * The forward process: {@code original} noised to {@code timesteps[b]} for each batch element b (dimension 0).
     */
    NDArray addNoise(NDArray original, NDArray noise, double[] timesteps);

    /** alphas = 1 - betas over the T training timesteps (float32 values). */
    double[] alphas();

    /** alphas_cumprod (alpha-bar) over the T training timesteps (float32 values). */
    double[] alphasCumprod();

    /**
     * DDIM's eta (weight of the noise added in each step, formula (16) of DDIM; 0 = deterministic DDIM, 1 = DDPM).
     * The other schedulers ignore it, as diffusers' {@code prepare_extra_step_kwargs} does.
     */
    default void setEta(double eta) {}

    /** An independent deep copy of this scheduler and its step state. */
    Scheduler copy();

    /** Frees native memory the scheduler holds (PNDM's model-output history). */
    @Override
    default void close() {}
}
