package ai.t2vzero.scheduler;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A scheduler's {@code scheduler_config.json}, read for one scheduler class.
 *
 * <p>As diffusers' {@code from_config} does, a key missing from the file takes the default of the class being built,
 * not of the class that wrote the file (SD 1.5's PNDM config has no {@code clip_sample}, so a DDIMScheduler built
 * from it clips, exactly as {@code DDIMScheduler.from_config(pndm.config)} would), and keys the class does not take
 * are ignored. Values we do not implement are refused, naming the key: {@code beta_schedule} other than linear /
 * scaled_linear, {@code prediction_type} "sample", {@code thresholding}, {@code rescale_betas_zero_snr},
 * {@code use_karras_sigmas} (except for DPM-Solver), {@code interpolation_type} other than linear, PNDM without
 * {@code skip_prk_steps}, and the DPM-Solver variants other than dpmsolver++ of order 1 or 2.
 *
 * <pre>
 * // https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/scheduler/scheduler_config.json
 * {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
 *  "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, ...}
 * </pre>
 *
 * @param className         the scheduler class these values are for ({@link Schedulers#DDIM} ...)
 * @param numTrainTimesteps number of diffusion steps the model was trained with (T)
 * @param betaStart         the starting beta value of inference
 * @param betaEnd           the final beta value
 * @param betaSchedule      the beta schedule, a mapping from a beta range to a sequence of betas
 * @param trainedBetas      betas passed directly, bypassing beta_start / beta_end (null when absent)
 * @param predictionType    prediction type of the scheduler function (what the UNet outputs)
 * @param clipSample        DDIM: clip the predicted sample for numerical stability
 * @param clipSampleRange   DDIM: the maximum magnitude for sample clipping
 * @param setAlphaToOne     DDIM/PNDM: the "previous" alpha product of the final step is 1 (else alphas_cumprod[0])
 * @param stepsOffset       an offset added to the inference steps ("leading" spacing only)
 * @param skipPrkSteps      PNDM: skip the Runge-Kutta warm-up steps, i.e. run PLMS (must be true here)
 * @param timestepSpacing   the way the inference timesteps are spaced
 * @param dpmSolver         DPMSolverMultistepScheduler's solver options (null for the other classes)
 */
public record SchedulerConfig(
        String className,
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        double[] trainedBetas,
        PredictionType predictionType,
        boolean clipSample,
        double clipSampleRange,
        boolean setAlphaToOne,
        int stepsOffset,
        boolean skipPrkSteps,
        TimestepSpacing timestepSpacing,
        DPMSolverOptions dpmSolver) {

    /**
     * The options of {@link DPMSolverMultistepScheduler} (algorithm_type is always dpmsolver++ here).
     *
     * @param solverOrder     1 (DDIM-like first order) or 2 (the multistep second order recommended for guided sampling)
     * @param heun            solver_type "heun" instead of "midpoint" for the second-order update
     * @param lowerOrderFinal use first/second order in the last steps when there are fewer than 15 steps
     * @param eulerAtFinal    use a first-order (Euler) update in the last step
     * @param useKarrasSigmas noise levels of Karras et al. (2022) (rho 7) instead of the spaced training timesteps
     * @param finalSigmaMin   final_sigmas_type "sigma_min" (the last sigma is the training minimum) instead of "zero"
     */
    public record DPMSolverOptions(int solverOrder, boolean heun, boolean lowerOrderFinal, boolean eulerAtFinal,
                                   boolean useKarrasSigmas, boolean finalSigmaMin) {}

    /** Reads the config for the class it names ({@code _class_name}). */
    public static SchedulerConfig read(ConfigJson cfg) {
        return read(cfg, cfg.getString("_class_name"));
    }

    /** Reads the config for {@code className} (one of {@link Schedulers#DDIM}, {@link Schedulers#PNDM}, ...). */
    public static SchedulerConfig read(ConfigJson cfg, String className) {
        boolean ddim = className.equals(Schedulers.DDIM);
        boolean pndm = className.equals(Schedulers.PNDM);
        boolean eulerA = className.equals(Schedulers.EULER_ANCESTRAL);
        boolean dpm = className.equals(Schedulers.DPM_SOLVER_MULTISTEP);
        if (!ddim && !pndm && !eulerA && !dpm) {
            throw new WeightLoadException(cfg.source() + ": scheduler class '" + className + "' is not supported (only "
                    + Schedulers.DDIM + ", " + Schedulers.PNDM + ", " + Schedulers.EULER_ANCESTRAL + ", "
                    + Schedulers.DPM_SOLVER_MULTISTEP + ")");
        }
        // flags none of our schedulers implements: refused whatever the class
        cfg.requireUnsupported("thresholding", false);
        cfg.requireUnsupported("rescale_betas_zero_snr", false);
        cfg.requireUnsupported("interpolation_type", "linear");
        if (!dpm) {
            cfg.requireUnsupported("use_karras_sigmas", false);
        }

        TimestepSpacing spacing = TimestepSpacing.parse(
                cfg.getString("timestep_spacing", eulerA || dpm ? "linspace" : "leading"), cfg.source());
        boolean skipPrk = pndm && cfg.getBool("skip_prk_steps", false);
        if (pndm && !skipPrk) {
            throw new WeightLoadException(cfg.source() + ": 'skip_prk_steps' = false is not supported (only true: "
                    + "PLMS without the Runge-Kutta warm-up, as Stable Diffusion uses it)");
        }
        return new SchedulerConfig(
                className,
                cfg.getInt("num_train_timesteps", 1000),
                cfg.getDouble("beta_start", 0.0001),
                cfg.getDouble("beta_end", 0.02),
                BetaSchedule.parse(cfg.getString("beta_schedule", "linear"), cfg.source()),
                trainedBetas(cfg),
                PredictionType.parse(cfg.getString("prediction_type", "epsilon"), cfg.source()),
                ddim && cfg.getBool("clip_sample", true),
                ddim ? cfg.getDouble("clip_sample_range", 1.0) : 1.0,
                // DDIM defaults to true, PNDM to false; Euler-Ancestral has no "previous alpha"
                (ddim || pndm) && cfg.getBool("set_alpha_to_one", ddim),
                cfg.getInt("steps_offset", 0),
                skipPrk,
                spacing,
                dpm ? dpmSolverOptions(cfg) : null);
    }

    /** DPMSolverMultistepScheduler's keys (defaults of diffusers 0.27.2); variants we do not implement are refused. */
    private static DPMSolverOptions dpmSolverOptions(ConfigJson cfg) {
        cfg.requireUnsupported("algorithm_type", "dpmsolver++");
        cfg.requireUnsupported("use_lu_lambdas", false);
        cfg.requireUnsupported("variance_type", null);
        if (cfg.has("lambda_min_clipped") && cfg.getDouble("lambda_min_clipped") != Double.NEGATIVE_INFINITY) {
            throw new WeightLoadException(cfg.source() + ": 'lambda_min_clipped' = " + cfg.node().get("lambda_min_clipped")
                    + " is not supported (only -inf: no clipping, as for Stable Diffusion's schedules)");
        }
        int order = cfg.getInt("solver_order", 2);
        if (order != 1 && order != 2) {
            throw new WeightLoadException(cfg.source() + ": 'solver_order' = " + order + " is not supported (only 1, 2)");
        }
        String solverType = cfg.getString("solver_type", "midpoint");
        if (!solverType.equals("midpoint") && !solverType.equals("heun")) {
            throw new WeightLoadException(cfg.source() + ": 'solver_type' = \"" + solverType + "\" is not supported "
                    + "(only midpoint, heun)");
        }
        String finalSigmas = cfg.getString("final_sigmas_type", "zero");
        if (!finalSigmas.equals("zero") && !finalSigmas.equals("sigma_min")) {
            throw new WeightLoadException(cfg.source() + ": 'final_sigmas_type' = \"" + finalSigmas + "\" is not "
                    + "supported (only zero, sigma_min)");
        }
        return new DPMSolverOptions(order, solverType.equals("heun"), cfg.getBool("lower_order_final", true),
                cfg.getBool("euler_at_final", false), cfg.getBool("use_karras_sigmas", false),
                finalSigmas.equals("sigma_min"));
    }

    /** This DPM-Solver config with {@code use_karras_sigmas} on (the {@code dpm-solver++-karras} name). */
    public SchedulerConfig withKarrasSigmas() {
        if (dpmSolver == null) {
            throw new IllegalStateException(className + " has no Karras-sigmas option");
        }
        DPMSolverOptions d = dpmSolver;
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                predictionType, clipSample, clipSampleRange, setAlphaToOne, stepsOffset, skipPrkSteps, timestepSpacing,
                new DPMSolverOptions(d.solverOrder(), d.heun(), d.lowerOrderFinal(), d.eulerAtFinal(), true,
                        d.finalSigmaMin()));
    }

    private static double[] trainedBetas(ConfigJson cfg) {
        if (!cfg.has("trained_betas")) {
            return null;
        }
        JsonNode n = cfg.node().get("trained_betas");
        if (!n.isArray()) {
            throw new WeightLoadException(cfg.source() + ": 'trained_betas' must be null or a list of numbers, got " + n);
        }
        double[] b = new double[n.size()];
        for (int i = 0; i < b.length; i++) {
            if (!n.get(i).isNumber()) {
                throw new WeightLoadException(cfg.source() + ": 'trained_betas'[" + i + "] is not a number: " + n.get(i));
            }
            b[i] = (float) n.get(i).doubleValue(); // torch.tensor(trained_betas, dtype=torch.float32)
        }
        return b;
    }

    /** The T training betas (float32 values). */
    public double[] betas() {
        if (trainedBetas != null) {
            if (trainedBetas.length != numTrainTimesteps) {
                throw new WeightLoadException("'trained_betas' has " + trainedBetas.length + " values but "
                        + "'num_train_timesteps' is " + numTrainTimesteps);
            }
            return trainedBetas.clone();
        }
        return betaSchedule.betas(betaStart, betaEnd, numTrainTimesteps);
    }

    /** alphas = 1 - betas, in float32 as diffusers' {@code 1.0 - self.betas}. */
    public double[] alphas() {
        double[] betas = betas();
        double[] alphas = new double[betas.length];
        for (int i = 0; i < betas.length; i++) {
            alphas[i] = 1f - (float) betas[i];
        }
        return alphas;
    }

    /**
     * alphas_cumprod = cumprod(alphas): torch's CPU cumprod of float32 accumulates in double and stores each
     * partial product rounded to float32; so do we.
     */
    public double[] alphasCumprod() {
        double[] alphas = alphas();
        double[] cum = new double[alphas.length];
        double acc = 1.0;
        for (int i = 0; i < alphas.length; i++) {
            acc *= alphas[i];
            cum[i] = (float) acc;
        }
        return cum;
    }
}
