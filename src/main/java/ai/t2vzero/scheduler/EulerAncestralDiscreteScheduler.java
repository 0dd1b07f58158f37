package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;

/**
 * Ancestral sampling with Euler steps (Karras et al. 2022, arXiv 2206.00364, as in k-diffusion's
 * {@code sample_euler_ancestral}): diffusers' {@code EulerAncestralDiscreteScheduler}.
 *
 * <p>Works on the noise level sigma = sqrt((1 - alpha-bar) / alpha-bar) instead of alpha-bar: x_sigma = x_0 + sigma
 * * eps. Notation (variable -> paper/k-diffusion): {@code sigma} -> sigma_i, {@code sigmaTo} -> sigma_{i+1},
 * {@code sigmaUp}/{@code sigmaDown} -> the ancestral split sigma_{i+1}^2 = sigma_down^2 + sigma_up^2,
 * {@code derivative} -> d = (x - D(x)) / sigma (the ODE derivative, Algorithm 2 of Karras), {@code dt} ->
 * sigma_down - sigma_i.
 *
 * <p>Timesteps are float32 values (linspace spacing: 999, 946.42105..., 0); sigmas are interpolated linearly
 * between the training timesteps (length n + 1, last 0). Stateful: like diffusers it keeps a step index, set on
 * the first {@code scaleModelInput}/{@code step} call from the timestep (for a timestep that occurs twice, its
 * second occurrence) and advanced by each {@code step}. Not thread-safe.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {

    private static final String STEP = "EulerAncestralDiscreteScheduler.step";

    private final SchedulerConfig config;
    private final double[] alphas;
    private final double[] alphasCumprod;
    /** sqrt((1 - a) / a) at each training timestep, float32 values. */
    private final double[] trainSigmas;
    private double[] timesteps;
    private double[] sigmas;
    private int numInferenceSteps;
    /** Index of the current step into {@link #sigmas}, or -1 before the first scaleModelInput/step. */
    private int stepIndex = -1;

    public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
        this.config = config;
        this.alphas = config.alphas();
        this.alphasCumprod = config.alphasCumprod();
        int T = config.numTrainTimesteps();
        this.trainSigmas = new double[T];
        for (int i = 0; i < T; i++) {
            float a = (float) alphasCumprod[i];
            trainSigmas[i] = ScheduleMath.sqrt((1f - a) / a); // float32, as ((1 - a) / a) ** 0.5 in torch
        }
        // before setTimesteps: every training timestep, descending, and its sigma
        this.timesteps = new double[T];
        this.sigmas = new double[T + 1];
        for (int i = 0; i < T; i++) {
            timesteps[i] = T - 1 - i;
            sigmas[i] = trainSigmas[T - 1 - i];
        }
    }

    private EulerAncestralDiscreteScheduler(EulerAncestralDiscreteScheduler o) {
        this.config = o.config;
        this.alphas = o.alphas;
        this.alphasCumprod = o.alphasCumprod;
        this.trainSigmas = o.trainSigmas;
        this.timesteps = o.timesteps.clone();
        this.sigmas = o.sigmas.clone();
        this.numInferenceSteps = o.numInferenceSteps;
        this.stepIndex = o.stepIndex;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    /** float32 timesteps and their interpolated sigmas (n + 1 values, the last 0). Resets the step index. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        double[] t = config.timestepSpacing().descending(config.numTrainTimesteps(), numInferenceSteps,
                config.stepsOffset());
        double[] s = new double[t.length + 1];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) t[i]; // .astype(np.float32)
            s[i] = (float) interp(t[i], trainSigmas); // np.interp in float64, then .astype(np.float32)
        }
        s[t.length] = 0.0;
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = t;
        this.sigmas = s;
        this.stepIndex = -1;
    }

    /** numpy's {@code np.interp(x, arange(len(fp)), fp)}: linear between integer knots, clamped at both ends. */
    static double interp(double x, double[] fp) {
        int last = fp.length - 1;
        if (x <= 0) {
            return fp[0];
        }
        if (x >= last) {
            return fp[last];
        }
        int j = (int) Math.floor(x);
        if (j == x) {
            return fp[j];
        }
        double slope = (fp[j + 1] - fp[j]) / 1.0; // (dy[j+1] - dy[j]) / (dx[j+1] - dx[j])
        return slope * (x - j) + fp[j];
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    /** The noise levels of the schedule: n + 1 float32 values, the last 0. */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /**
     * max(sigma) for "linspace"/"trailing" spacing, else sqrt(max(sigma)^2 + 1) (diffusers 0.27's rule: the
     * initial latents of a schedule that starts at T - 1 have standard deviation sigma_max).
     */
    @Override
    public double initNoiseSigma() {
        float max = 0f;
        for (double s : sigmas) {
            max = Math.max(max, (float) s);
        }
        if (config.timestepSpacing() == TimestepSpacing.LINSPACE
                || config.timestepSpacing() == TimestepSpacing.TRAILING) {
            return max;
        }
        return ScheduleMath.sqrt(max * max + 1f);
    }

    /** x / sqrt(sigma^2 + 1): the UNet was trained on unit-variance inputs. */
    @Override
    public NDArray scaleModelInput(NDArray sample, double timestep) {
        if (stepIndex < 0) {
            stepIndex = indexForTimestep(timestep);
        }
        float sigma = (float) sigmas[stepIndex];
        return sample.div(ScheduleMath.sqrt(sigma * sigma + 1f));
    }

    /**
     * Index of {@code timestep} in the schedule; where it occurs more than once, the second occurrence (diffusers'
     * rule, so that a schedule entered mid-way does not skip a sigma).
     */
    int indexForTimestep(double timestep) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if ((float) timesteps[i] == (float) timestep) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("EulerAncestralDiscreteScheduler: timestep " + timestep
                    + " is not in the schedule (pass a value of timesteps())");
        }
        return first;
    }

    @Override
    public StepOutput step(NDArray modelOutput, double timestep, NDArray sample, NoiseSource noise) {
        if (noise == null) {
            throw new IllegalArgumentException(STEP + " draws noise at every step: pass a NoiseSource");
        }
        if (stepIndex < 0) {
            stepIndex = indexForTimestep(timestep);
        }
        if (stepIndex + 1 >= sigmas.length) {
            throw new IllegalStateException(STEP + ": all " + (sigmas.length - 1) + " steps were already taken");
        }
        float sigma = (float) sigmas[stepIndex];
        // ancestral split of the next noise level: sigma_to^2 = sigma_down^2 + sigma_up^2
        float sigmaFrom = sigma;
        float sigmaTo = (float) sigmas[stepIndex + 1];
        float sigmaUp = ScheduleMath.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom));
        float sigmaDown = ScheduleMath.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigma;
        float sigmaSqPlus1 = sigma * sigma + 1f;
        NDList out = Scopes.keepAll(() -> {
            // 1. predicted original sample x_0 from the sigma-scaled prediction
            NDArray predOriginalSample;
            if (config.predictionType() == PredictionType.EPSILON) {
                predOriginalSample = sample.sub(modelOutput.mul(sigma));
            } else { // v_prediction: model_output * c_out + sample * c_skip
                predOriginalSample = modelOutput.mul(-sigma / ScheduleMath.sqrt(sigmaSqPlus1))
                        .add(sample.div(sigmaSqPlus1));
            }
            // 2. Euler step of the ODE down to sigma_down
            NDArray derivative = sample.sub(predOriginalSample).div(sigma);
            NDArray prevSample = sample.add(derivative.mul(dt));
            // 3. ancestral noise up to sigma_to
            NDArray z = noise.randn(modelOutput.getManager(), modelOutput.getShape(), STEP);
            prevSample = prevSample.add(z.mul(sigmaUp));
            return new NDList(prevSample, predOriginalSample);
        });
        stepIndex++;
        return new StepOutput(out.get(0), out.get(1));
    }

    /** x + sigma(t) * noise per batch element, sigma taken from the current schedule. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        float[] sigma = new float[timesteps.length];
        for (int b = 0; b < timesteps.length; b++) {
            sigma[b] = (float) sigmas[indexForTimestep(timesteps[b])];
        }
        return Scopes.keep(() -> original.add(noise.mul(ScheduleMath.perBatch(original, sigma))));
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
    public EulerAncestralDiscreteScheduler copy() {
        return new EulerAncestralDiscreteScheduler(this);
    }
}
