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
 * {@code use_karras_sigmas}, {@code interpolation_type} other than linear, and PNDM without {@code skip_prk_steps}.
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
        TimestepSpacing timestepSpacing) {

    /** Reads the config for the class it names ({@code _class_name}). */
    public static SchedulerConfig read(ConfigJson cfg) {
        return read(cfg, cfg.getString("_class_name"));
    }

    /** Reads the config for {@code className} (one of {@link Schedulers#DDIM}, {@link Schedulers#PNDM}, ...). */
    public static SchedulerConfig read(ConfigJson cfg, String className) {
        boolean ddim = className.equals(Schedulers.DDIM);
        boolean pndm = className.equals(Schedulers.PNDM);
        boolean eulerA = className.equals(Schedulers.EULER_ANCESTRAL);
        if (!ddim && !pndm && !eulerA) {
            throw new WeightLoadException(cfg.source() + ": scheduler class '" + className + "' is not supported (only "
                    + Schedulers.DDIM + ", " + Schedulers.PNDM + ", " + Schedulers.EULER_ANCESTRAL + ")");
        }
        // flags none of our schedulers implements: refused whatever the class
        cfg.requireUnsupported("thresholding", false);
        cfg.requireUnsupported("rescale_betas_zero_snr", false);
        cfg.requireUnsupported("use_karras_sigmas", false);
        cfg.requireUnsupported("interpolation_type", "linear");

        TimestepSpacing spacing = TimestepSpacing.parse(
                cfg.getString("timestep_spacing", eulerA ? "linspace" : "leading"), cfg.source());
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
                spacing);
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
