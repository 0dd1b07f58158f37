package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;

/**
 * Denoising Diffusion Implicit Models, Song et al. 2020 (arXiv 2010.02502): diffusers' {@code DDIMScheduler}.
 *
 * <p>Notation (variable -> paper): {@code alphaProdT} -> alpha_t (the paper's alpha is diffusers' alpha-bar,
 * {@code alphas_cumprod[t]}), {@code alphaProdTPrev} -> alpha_{t-1}, {@code modelOutput} -> epsilon_theta(x_t, t),
 * {@code predOriginalSample} -> f_theta(x_t, t) = "predicted x_0", {@code stdDevT} -> sigma_t, {@code eta} -> eta,
 * {@code predSampleDirection} -> "direction pointing to x_t", {@code prevSample} -> x_{t-1}.
 *
 * <p>Stateful (the number of inference steps) and not thread-safe; see {@link Scheduler}. As in diffusers, the
 * previous timestep is always {@code t - T / n}, whatever the spacing, and {@code use_clipped_model_output} is false.
 */
public final class DDIMScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final double[] alphas;
    private final double[] alphasCumprod;
    /** alpha_{t-1} of the last step: 1, or alpha_0 (config {@code set_alpha_to_one}). */
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private double[] timesteps;
    private double eta;

    public DDIMScheduler(SchedulerConfig config) {
        this.config = config;
        this.alphas = config.alphas();
        this.alphasCumprod = config.alphasCumprod();
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : (float) alphasCumprod[0];
        // before setTimesteps: every training timestep, descending (diffusers' constructor default)
        this.timesteps = new double[config.numTrainTimesteps()];
        for (int i = 0; i < timesteps.length; i++) {
            timesteps[i] = timesteps.length - 1 - i;
        }
    }

    private DDIMScheduler(DDIMScheduler other) {
        this.config = other.config;
        this.alphas = other.alphas;
        this.alphasCumprod = other.alphasCumprod;
        this.finalAlphaCumprod = other.finalAlphaCumprod;
        this.numInferenceSteps = other.numInferenceSteps;
        this.timesteps = other.timesteps.clone();
        this.eta = other.eta;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    /** Integral timesteps: "leading" gives {@code (n-1-i) * (T // n) + steps_offset}; "linspace" rounds half-to-even. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        double[] t = config.timestepSpacing().descending(config.numTrainTimesteps(), numInferenceSteps,
                config.stepsOffset());
        for (int i = 0; i < t.length; i++) {
            t[i] = Math.rint(t[i]); // np.round: half to even
        }
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = t;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }



    @Override
    public void setEta(double eta) {
        if (eta < 0 || Double.isNaN(eta)) {
            throw new IllegalArgumentException("eta must be >= 0 (got " + eta + ")");
        }
        this.eta = eta;
    }

    public double eta() {
        return eta;
    }

    @Override
    public StepOutput step(NDArray modelOutput, double timestep, NDArray sample, NoiseSource noise) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("DDIMScheduler.step before setTimesteps");
        }
        if (eta > 0 && noise == null) {
            throw new IllegalArgumentException("DDIMScheduler.step with eta " + eta + " draws noise: pass a NoiseSource");
        }
        // 1. previous step value (= t - T/n)
        // a trailing schedule's extra last timestep -1 reads alphas_cumprod[-1] (numpy) and steps to the final alpha
        int index = ScheduleMath.pythonTrainIndex(timestep, config.numTrainTimesteps(), "DDIMScheduler.step");
        int prevT = (int) timestep - config.numTrainTimesteps() / numInferenceSteps;

        // 2. alphas and betas (float32 scalars, as diffusers' 0-d tensors)
        float alphaProdT = (float) alphasCumprod[index];
        float alphaProdTPrev = prevT >= 0 ? (float) alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float sqrtAlphaProdT = ScheduleMath.sqrt(alphaProdT);
        float sqrtBetaProdT = ScheduleMath.sqrt(betaProdT);

        // 3. variance sigma_t(eta) of formula (16): sqrt((1 - a_{t-1}) / (1 - a_t)) * sqrt(1 - a_t / a_{t-1})
        float betaProdTPrev = 1f - alphaProdTPrev;
        float variance = (betaProdTPrev / betaProdT) * (1f - alphaProdT / alphaProdTPrev);
        float stdDevT = (float) eta * ScheduleMath.sqrt(variance);
        float directionCoeff = ScheduleMath.sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);
        float sqrtAlphaProdTPrev = ScheduleMath.sqrt(alphaProdTPrev);

        NDList out = Scopes.keepAll(() -> {
            // 4. "predicted x_0" of formula (12), and the epsilon it implies
            NDArray predOriginalSample;
            NDArray predEpsilon;
            if (config.predictionType() == PredictionType.EPSILON) {
                predOriginalSample = sample.sub(modelOutput.mul(sqrtBetaProdT)).div(sqrtAlphaProdT);
                predEpsilon = modelOutput;
            } else { // v_prediction
                predOriginalSample = sample.mul(sqrtAlphaProdT).sub(modelOutput.mul(sqrtBetaProdT));
                predEpsilon = modelOutput.mul(sqrtAlphaProdT).add(sample.mul(sqrtBetaProdT));
            }
            // 5. clip "predicted x_0"
            if (config.clipSample()) {
                float r = (float) config.clipSampleRange();
                predOriginalSample = predOriginalSample.clip(-r, r);
            }
            // 6. "direction pointing to x_t" of formula (12)
            NDArray predSampleDirection = predEpsilon.mul(directionCoeff);
            // 7. x_{t-1} without the random noise, formula (12)
            NDArray prevSample = predOriginalSample.mul(sqrtAlphaProdTPrev).add(predSampleDirection);
            // 8. add the random noise sigma_t * z
            if (eta > 0) {
                NDArray varianceNoise = noise.randn(modelOutput.getManager(), modelOutput.getShape(),
                        "DDIMScheduler.step");
                prevSample = prevSample.add(varianceNoise.mul(stdDevT));
            }
            return new NDList(prevSample, predOriginalSample);
        });
        return new StepOutput(out.get(0), out.get(1));
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        return ScheduleMath.addNoise(alphasCumprod, original, noise, timesteps, "DDIMScheduler.addNoise");
    }

    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    @Override
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    @Override
    public DDIMScheduler copy() {
        return new DDIMScheduler(this);
    }
}
