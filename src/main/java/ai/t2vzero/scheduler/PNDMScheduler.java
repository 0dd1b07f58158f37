package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;

import java.util.ArrayList;
import java.util.List;

/**
 * Pseudo Numerical Methods for Diffusion Models, Liu et al. 2022 (arXiv 2202.09778), in the PLMS form Stable
 * Diffusion uses ({@code skip_prk_steps}: the linear multistep method without the Runge-Kutta warm-up, after
 * crowsonkb's PLMS sampler): diffusers' {@code PNDMScheduler}.
 *
 * <p>Notation (variable -> paper): {@code alphaProdT} -> alpha_t (alpha-bar), {@code alphaProdTPrev} ->
 * alpha_{t-delta}, {@code sample} -> x_t, {@code modelOutput} -> e_theta(x_t, t), {@code ets} -> the past
 * e_theta values of the linear multistep formula (12), {@code prevSample} -> x_{t-delta}.
 *
 * <p>Multistep and stateful: the schedule has n + 1 timesteps, the second one repeated (20 steps: 951, 901, 901,
 * 851, ..., 1); the step at the repeated timestep averages the first two model outputs and restarts from the first
 * sample. The last four model outputs ({@code ets}) are kept as copies in a manager of the scheduler's own, freed by
 * {@link #close()}, by {@link #setTimesteps} or as they fall out of the window. Not thread-safe; {@link #copy()}
 * copies the history too.
 */
public final class PNDMScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final double[] alphas;
    private final double[] alphasCumprod;
    /** alpha_{t-delta} of the last step: 1, or alpha_0 (config {@code set_alpha_to_one}). */
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private double[] timesteps = new double[0];

    // running values (diffusers: counter, ets, cur_sample)
    private int counter;
    private final List<NDArray> ets = new ArrayList<>();
    private NDArray curSample;
    private NDManager history;

    public PNDMScheduler(SchedulerConfig config) {
        if (!config.skipPrkSteps()) {
            throw new IllegalArgumentException("PNDMScheduler: only skip_prk_steps=true (PLMS) is implemented");
        }
        this.config = config;
        this.alphas = config.alphas();
        this.alphasCumprod = config.alphasCumprod();
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : (float) alphasCumprod[0];
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    /**
     * The PLMS timesteps: the n spaced timesteps in descending order with the second one repeated (n + 1 values).
     * Resets the multistep history.
     */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        double[] desc = config.timestepSpacing().descending(config.numTrainTimesteps(), numInferenceSteps,
                config.stepsOffset());
        // diffusers keeps them ascending (_timesteps) and builds concat([_t[:-1], _t[-2:-1], _t[-1:]])[::-1]
        // (one step: _t[-2:-1] is empty, so no repeat)
        double[] t = new double[desc.length == 1 ? 1 : desc.length + 1];
        for (int i = 0, j = 0; i < desc.length; i++) {
            t[j++] = Math.rint(desc[i]);
            if (i == 1) {
                t[j++] = Math.rint(desc[1]);
            }
        }
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = t;
        resetHistory();
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }



    /** One PLMS step ({@code step_plms} of diffusers; {@code noise} is unused: PNDM is deterministic). */
    @Override
    public StepOutput step(NDArray modelOutput, double timestep, NDArray sample, NoiseSource noise) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("PNDMScheduler.step before setTimesteps");
        }
        int ratio = config.numTrainTimesteps() / numInferenceSteps;
        // a trailing schedule's extra last timestep -1 is valid: formula (9) reads alphas_cumprod[-1] (numpy)
        ScheduleMath.pythonTrainIndex(timestep, config.numTrainTimesteps(), "PNDMScheduler.step");
        int t = (int) timestep;
        int prevT = t - ratio;

        // 1. history of model outputs: the repeated timestep (counter 1) does not enter it
        if (counter != 1) {
            while (ets.size() > 3) {
                ets.remove(0).close(); // ets = ets[-3:]
            }
            ets.add(keep(modelOutput));
        } else {
            prevT = t;
            t = t + ratio;
        }
        final int tStep = t;
        final int prevStep = prevT;
        NDArray startSample = null;
        if (ets.size() == 1 && counter == 0) {
            curSample = keep(sample); // x_T, for the second step
        } else if (ets.size() == 1 && counter == 1) {
            startSample = curSample; // redo the first step from x_T with the averaged output
            curSample = null;
        }
        final NDArray xT = startSample != null ? startSample : sample;
        final int n = ets.size();
        final int c = counter;
        NDArray prevSample = Scopes.keep(() -> {
            // 2. linear multistep combination of e_theta, formula (12) (lower orders while the history fills)
            NDArray e;
            if (n == 1 && c == 0) {
                e = modelOutput;
            } else if (n == 1 && c == 1) {
                e = modelOutput.add(ets.get(0)).div(2f);
            } else if (n == 2) {
                e = ets.get(1).mul(3f).sub(ets.get(0)).div(2f);
            } else if (n == 3) {
                e = ets.get(2).mul(23f).sub(ets.get(1).mul(16f)).add(ets.get(0).mul(5f)).div(12f);
            } else {
                e = ets.get(3).mul(55f).sub(ets.get(2).mul(59f)).add(ets.get(1).mul(37f)).sub(ets.get(0).mul(9f))
                        .mul((float) (1.0 / 24));
            }
            // 3. x_{t-delta} by formula (9)
            return prevSample(xT, tStep, prevStep, e);
        });
        if (prevSample.getManager() != sample.getManager()) {
            prevSample.attach(sample.getManager()); // computed from history copies: hand it to the caller's manager
        }
        if (startSample != null) {
            startSample.close();
        }
        counter++;
        return new StepOutput(prevSample, null);
    }

    /**
     * Formula (9) of PNDM: x_{t-delta} = sqrt(a_{t-delta} / a_t) x_t - (a_{t-delta} - a_t) e
     * / (a_t sqrt(1 - a_{t-delta}) + sqrt(a_t (1 - a_t) a_{t-delta})).
     */
    private NDArray prevSample(NDArray sample, int t, int prevT, NDArray modelOutput) {
        float alphaProdT = (float) alphasCumprod[t >= 0 ? t : alphasCumprod.length + t];  // numpy: -1 is the last
        float alphaProdTPrev = prevT >= 0 ? (float) alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        NDArray e = modelOutput;
        if (config.predictionType() == PredictionType.V_PREDICTION) {
            e = modelOutput.mul(ScheduleMath.sqrt(alphaProdT)).add(sample.mul(ScheduleMath.sqrt(betaProdT)));
        }
        // (a_{t-delta} - a_t) / (sqrt(a_t) (sqrt(a_{t-delta}) + sqrt(a_t))) + 1 = sqrt(a_{t-delta} / a_t)
        float sampleCoeff = ScheduleMath.sqrt(alphaProdTPrev / alphaProdT);
        // the denominator of e_theta in formula (9)
        float modelOutputDenomCoeff = alphaProdT * ScheduleMath.sqrt(betaProdTPrev)
                + ScheduleMath.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return sample.mul(sampleCoeff).sub(e.mul(alphaProdTPrev - alphaProdT).div(modelOutputDenomCoeff));
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
        ets.clear();
        curSample = null;
        counter = 0;
        if (history != null) {
            history.close();
            history = null;
        }
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        return ScheduleMath.addNoise(alphasCumprod, original, noise, timesteps, "PNDMScheduler.addNoise");
    }

    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    @Override
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** A deep copy: schedule, counter, and copies of the model-output history and the first sample. */
    @Override
    public PNDMScheduler copy() {
        PNDMScheduler c = new PNDMScheduler(config);
        c.numInferenceSteps = numInferenceSteps;
        c.timesteps = timesteps.clone();
        c.counter = counter;
        for (NDArray e : ets) {
            c.ets.add(c.keep(e));
        }
        if (curSample != null) {
            c.curSample = c.keep(curSample);
        }
        return c;
    }

    @Override
    public void close() {
        resetHistory();
    }
}
