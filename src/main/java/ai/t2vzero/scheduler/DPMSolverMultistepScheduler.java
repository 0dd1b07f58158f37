package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;

import java.util.Arrays;

/**
 * DPM-Solver++ (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models",
 * arXiv 2211.01095) in its multistep form: diffusers' {@code DPMSolverMultistepScheduler} with
 * {@code algorithm_type="dpmsolver++"}, solver order 1 or 2 ({@code midpoint} or {@code heun}), as diffusers 0.27.2
 * computes it.
 *
 * <p>Notation (variable -> paper): the noise level {@code sigma} = sqrt((1 - alpha-bar) / alpha-bar) of a timestep
 * gives {@code alphaT} -> alpha_t = 1 / sqrt(sigma^2 + 1) and {@code sigmaT} -> sigma_t = sigma alpha_t (the VP
 * schedule), {@code lambda} -> lambda_t = log(alpha_t / sigma_t) (half log-SNR), {@code h} -> h_i = lambda_{t_i} -
 * lambda_{t_{i-1}}; the model output is converted to the data prediction x_theta ({@code x0Pred}, formula (8)),
 * {@code m0, m1} -> the last two x_theta, {@code r0} -> r_i = h_{i-1} / h_i, {@code d0, d1} -> D_0 = m0 and the
 * first-order difference D_1 = (m0 - m1) / r0. Updates: first order = formula (5) ("DDIM"), second order =
 * Algorithm 2 (midpoint) of the paper.
 *
 * <p>Schedule: n integral timesteps ({@code linspace}/{@code leading} take n + 1 points and drop the last,
 * {@code trailing} as the other schedulers), their float32 sigmas and a final sigma of 0 ({@code final_sigmas_type}
 * "zero") or sigma_min; with {@code use_karras_sigmas} the n sigmas are Karras et al.'s rho = 7 ramp between the
 * training extremes and the timesteps are those sigmas mapped back to the training axis (log-sigma interpolation,
 * rounded). The last step is always first order with a zero final sigma (diffusers' rule), and with
 * {@code lower_order_final} fewer than 15 steps also make the second to last step at most second order.
 *
 * <p>Multistep and stateful: keeps the last {@code solver_order} data predictions (copies in a manager of its own,
 * freed by {@link #close()} or {@link #setTimesteps}), the count of lower-order warm-up steps and a step index (set on
 * the first {@code step} from the timestep: for a timestep that occurs twice, its second occurrence; then advanced by
 * each step). Not thread-safe; {@link #copy()} copies the history.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {

    private static final String STEP = "DPMSolverMultistepScheduler.step";
    /** Karras et al.'s rho, "the value used in the paper". */
    private static final double RHO = 7.0;

    private final SchedulerConfig config;
    private final SchedulerConfig.DPMSolverOptions options;
    private final double[] alphas;
    private final double[] alphasCumprod;
    /** sqrt((1 - a) / a) at each training timestep, float32 values. */
    private final double[] trainSigmas;
    private double[] timesteps = new double[0];
    /** n + 1 float32 noise levels, the last the final sigma. */
    private double[] sigmas = new double[0];

    // running values (diffusers: model_outputs, lower_order_nums, _step_index)
    private final NDArray[] modelOutputs;
    private int lowerOrderNums;
    private int stepIndex = -1;
    private NDManager history;

    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        if (config.dpmSolver() == null) {
            throw new IllegalArgumentException("DPMSolverMultistepScheduler needs a config read for its class");
        }
        this.config = config;
        this.options = config.dpmSolver();
        this.alphas = config.alphas();
        this.alphasCumprod = config.alphasCumprod();
        int T = config.numTrainTimesteps();
        this.trainSigmas = new double[T];
        for (int i = 0; i < T; i++) {
            float a = (float) alphasCumprod[i];
            trainSigmas[i] = ScheduleMath.sqrt((1f - a) / a); // ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
        }
        this.modelOutputs = new NDArray[options.solverOrder()];
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    /** The n timesteps and n + 1 sigmas of the schedule; resets the multistep history and the step index. */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        int T = config.numTrainTimesteps();
        if (numInferenceSteps < 1 || numInferenceSteps > T) {
            throw new IllegalArgumentException("num_inference_steps must be in [1, " + T + "] (got " + numInferenceSteps
                    + ")");
        }
        double[] t = spacedTimesteps(numInferenceSteps);
        double[] s;
        if (options.useKarrasSigmas()) {
            s = karrasSigmas(numInferenceSteps);
            double[] logSigmas = logSigmas();
            t = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                t[i] = Math.rint(sigmaToT(s[i], logSigmas)); // np.array([...]).round()
            }
        } else {
            s = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                // np.interp at integral points; below the first point (a trailing schedule's -1) it holds sigma[0]
                s[i] = trainSigmas[Math.max(0, (int) t[i])];
            }
        }
        double[] all = Arrays.copyOf(s, s.length + 1);
        all[s.length] = options.finalSigmaMin() ? trainSigmas[0] : 0.0;
        for (int i = 0; i < all.length; i++) {
            all[i] = (float) all[i]; // .astype(np.float32)
        }
        this.timesteps = t;
        this.sigmas = all;
        resetHistory();
    }

    /**
     * The int64 timesteps of {@code timestep_spacing} as diffusers' DPMSolverMultistepScheduler computes them (no
     * lambda clipping: last_timestep = T): linspace and leading space n + 1 points and drop the final 0.
     */
    private double[] spacedTimesteps(int n) {
        int T = config.numTrainTimesteps();
        double[] t = new double[n];
        switch (config.timestepSpacing()) {
            case LINSPACE -> {
                // np.linspace(0, T - 1, n + 1).round()[::-1][:-1]
                double step = (double) (T - 1) / n;
                for (int i = 0; i < n; i++) {
                    int k = n - i; // descending, skipping point 0
                    t[i] = k == n ? T - 1 : Math.rint(k * step);
                }
            }
            case LEADING -> {
                // (np.arange(0, n + 1) * (T // (n + 1))).round()[::-1][:-1] + steps_offset
                int ratio = T / (n + 1);
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - i) * ratio + config.stepsOffset();
                }
            }
            case TRAILING -> t = TimestepSpacing.TRAILING.descending(T, n, 0); // np.arange(T, 0, -T/n).round() - 1
        }
        return t;
    }

    /**
     * Karras et al. (2022) noise levels, formula (5): (sigma_max^(1/rho) + ramp (sigma_min^(1/rho) -
     * sigma_max^(1/rho)))^rho over ramp = linspace(0, 1, n), in float64 from the float32 training extremes.
     */
    private double[] karrasSigmas(int n) {
        double sigmaMin = trainSigmas[0];
        double sigmaMax = trainSigmas[trainSigmas.length - 1];
        double minInvRho = Math.pow(sigmaMin, 1 / RHO);
        double maxInvRho = Math.pow(sigmaMax, 1 / RHO);
        double[] s = new double[n];
        double step = n > 1 ? 1.0 / (n - 1) : 0.0;
        for (int i = 0; i < n; i++) {
            double ramp = n > 1 && i == n - 1 ? 1.0 : i * step; // np.linspace(0, 1, n)
            s[i] = Math.pow(maxInvRho + ramp * (minInvRho - maxInvRho), RHO);
        }
        return s;
    }

    /** np.log of the float32 training sigmas (float32 results). */
    private double[] logSigmas() {
        double[] l = new double[trainSigmas.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(trainSigmas[i]);
        }
        return l;
    }

    /**
     * diffusers' {@code _sigma_to_t}: the (fractional) training timestep of {@code sigma}, interpolating linearly in
     * log-sigma between the two neighbouring training sigmas. numpy 1.x evaluates the differences with the float32
     * array in float32 (the float64 scalar is cast down), the final blend of indices in float64; so do we.
     */
    static double sigmaToT(double sigma, double[] logSigmas) {
        float logSigma = (float) Math.log(Math.max(sigma, 1e-10));
        // np.cumsum(dists >= 0).argmax(): the last index with log_sigma >= log_sigmas[j] (0 when there is none)
        int last = 0;
        for (int j = 0; j < logSigmas.length; j++) {
            if (logSigma - (float) logSigmas[j] >= 0f) {
                last = j;
            }
        }
        int low = Math.min(last, logSigmas.length - 2); // .clip(max=T-2)
        int high = low + 1;
        float lo = (float) logSigmas[low];
        float hi = (float) logSigmas[high];
        float w = (lo - logSigma) / (lo - hi);
        w = Math.min(Math.max(w, 0f), 1f);
        return (double) (1f - w) * low + (double) w * high;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    /** The noise levels of the schedule: n + 1 float32 values, the last the final sigma (0 by default). */
    public double[] sigmas() {
        return sigmas.clone();
    }



    /**
     * Index of {@code timestep} in the schedule: where it occurs more than once its second occurrence, where it does
     * not occur the last step (diffusers' {@code index_for_timestep}).
     */
    int indexForTimestep(double timestep) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == timestep) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        return first >= 0 ? first : timesteps.length - 1;
    }

    /** One DPM-Solver++ step ({@code noise} is unused: dpmsolver++ is deterministic). */
    @Override
    public StepOutput step(NDArray modelOutput, double timestep, NDArray sample, NoiseSource noise) {
        if (timesteps.length == 0) {
            throw new IllegalStateException(STEP + " before setTimesteps");
        }
        if (stepIndex < 0) {
            stepIndex = indexForTimestep(timestep);
        }
        int n = timesteps.length;
        if (stepIndex >= n) {
            throw new IllegalStateException(STEP + ": all " + n + " steps were already taken");
        }
        // diffusers: improve numerical stability for small numbers of steps
        boolean lowerOrderFinal = stepIndex == n - 1
                && (options.eulerAtFinal() || (options.lowerOrderFinal() && n < 15) || !options.finalSigmaMin());
        // (diffusers' lower_order_second caps the second to last step at order 2: it only changes order 3 solvers)

        // 1. the data prediction x_theta, kept in the history (oldest first)
        NDArray x0Pred = Scopes.keep(() -> convertModelOutput(modelOutput, sample));
        if (modelOutputs[0] != null) {
            modelOutputs[0].close();
        }
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, modelOutputs.length - 1);
        modelOutputs[modelOutputs.length - 1] = keep(x0Pred);

        // 2. first- or second-order update, in float32 (diffusers upcasts the sample)
        boolean firstOrder = options.solverOrder() == 1 || lowerOrderNums < 1 || lowerOrderFinal;
        DataType outType = modelOutput.getDataType();
        NDArray prevSample = Scopes.keep(() -> {
            NDArray s32 = sample.toType(DataType.FLOAT32, false);
            NDArray x = firstOrder ? firstOrderUpdate(x0Pred, s32) : secondOrderUpdate(s32);
            return x.toType(outType, false);
        });
        if (prevSample.getManager() != sample.getManager()) {
            prevSample.attach(sample.getManager()); // computed from history copies: hand it to the caller's manager
        }
        if (lowerOrderNums < options.solverOrder()) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prevSample, x0Pred);
    }

    /** alpha_t = 1 / sqrt(sigma^2 + 1) and sigma_t = sigma alpha_t, float32 as diffusers' 0-d tensors. */
    private static float[] alphaSigma(double sigma) {
        float s = (float) sigma;
        float alphaT = 1f / ScheduleMath.sqrt(s * s + 1f);
        return new float[] {alphaT, s * alphaT};
    }

    /** lambda_t = log(alpha_t) - log(sigma_t) (+inf at sigma 0). */
    private static float lambda(float[] alphaSigma) {
        return (float) Math.log(alphaSigma[0]) - (float) Math.log(alphaSigma[1]);
    }

    /** Formula (8): x_theta = (x_t - sigma_t eps) / alpha_t (epsilon), or alpha_t x_t - sigma_t v (v-prediction). */
    private NDArray convertModelOutput(NDArray modelOutput, NDArray sample) {
        float[] as = alphaSigma(sigmas[stepIndex]);
        if (config.predictionType() == PredictionType.EPSILON) {
            return sample.sub(modelOutput.mul(as[1])).div(as[0]);
        }
        return sample.mul(as[0]).sub(modelOutput.mul(as[1]));
    }

    /** Formula (5) of DPM-Solver++ (first order, = DDIM): x_t = sigma_t / sigma_s x_s - alpha_t (e^-h - 1) x_theta. */
    private NDArray firstOrderUpdate(NDArray x0Pred, NDArray sample) {
        float[] t = alphaSigma(sigmas[stepIndex + 1]);
        float[] s = alphaSigma(sigmas[stepIndex]);
        float h = lambda(t) - lambda(s);
        float expm1 = (float) Math.exp(-h) - 1f;
        return sample.mul(t[1] / s[1]).sub(x0Pred.mul(t[0] * expm1));
    }

    /** Algorithm 2 of DPM-Solver++ (multistep second order), midpoint or Heun form of the D_1 term. */
    private NDArray secondOrderUpdate(NDArray sample) {
        float[] t = alphaSigma(sigmas[stepIndex + 1]);
        float[] s0 = alphaSigma(sigmas[stepIndex]);
        float[] s1 = alphaSigma(sigmas[stepIndex - 1]);
        float lambdaT = lambda(t);
        float lambdaS0 = lambda(s0);
        float lambdaS1 = lambda(s1);
        NDArray m0 = modelOutputs[modelOutputs.length - 1];
        NDArray m1 = modelOutputs[modelOutputs.length - 2];
        float h = lambdaT - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        NDArray d0 = m0;
        NDArray d1 = m0.sub(m1).mul(1f / r0);                                 // [B, C, h, w] (history may broadcast)
        float expm1 = (float) Math.exp(-h) - 1f;
        NDArray x = sample.mul(t[1] / s0[1]).sub(d0.mul(t[0] * expm1));
        if (options.heun()) {
            return x.add(d1.mul(t[0] * (expm1 / h + 1f)));
        }
        return x.sub(d1.mul(0.5f * (t[0] * expm1)));
    }

    /** alpha_t x + sigma_t noise per batch element, sigma of each timestep taken from the current schedule. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        float[] a = new float[timesteps.length];
        float[] s = new float[timesteps.length];
        for (int b = 0; b < timesteps.length; b++) {
            float[] as = alphaSigma(sigmas[indexForTimestep(timesteps[b])]);
            a[b] = as[0];
            s[b] = as[1];
        }
        return Scopes.keep(() -> ScheduleMath.perBatch(original, a).mul(original)
                .add(ScheduleMath.perBatch(original, s).mul(noise)));
    }

    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    @Override
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** A copy of {@code a} owned by the scheduler's history manager (out of any NDScope). */
    private NDArray keep(NDArray a) {
        if (history == null) {
            history = NDManager.newBaseManager(a.getDevice());
        }
        NDArray c = a.duplicate();
        NDScope.unregister(c);
        c.attach(history);
        return c;
    }

    private void resetHistory() {
        Arrays.fill(modelOutputs, null);
        lowerOrderNums = 0;
        stepIndex = -1;
        if (history != null) {
            history.close();
            history = null;
        }
    }

    /** A deep copy: schedule, step index, warm-up count and copies of the data-prediction history. */
    @Override
    public DPMSolverMultistepScheduler copy() {
        DPMSolverMultistepScheduler c = new DPMSolverMultistepScheduler(config);
        c.timesteps = timesteps.clone();
        c.sigmas = sigmas.clone();
        c.lowerOrderNums = lowerOrderNums;
        c.stepIndex = stepIndex;
        for (int i = 0; i < modelOutputs.length; i++) {
            if (modelOutputs[i] != null) {
                c.modelOutputs[i] = c.keep(modelOutputs[i]);
            }
        }
        return c;
    }

    @Override
    public void close() {
        resetHistory();
    }
}
