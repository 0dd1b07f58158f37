package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.WeightLoadException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static ai.t2vzero.scheduler.SchedulerTestSupport.NO_NOISE;
import static ai.t2vzero.scheduler.SchedulerTestSupport.config;
import static ai.t2vzero.scheduler.SchedulerTestSupport.data;
import static ai.t2vzero.scheduler.SchedulerTestSupport.json;
import static ai.t2vzero.scheduler.SchedulerTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unit properties of DPM-Solver++; the golden numbers are in reference-extra's scheduler cases. */
class DPMSolverMultistepSchedulerTest {

    private NDManager m;

    @BeforeEach
    void open() {
        TorchRuntime.engine();
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private static DPMSolverMultistepScheduler dpm(String extra) {
        return new DPMSolverMultistepScheduler(config(Schedulers.DPM_SOLVER_MULTISTEP, extra));
    }

    /** The VP pair (alpha_t, sigma_t) of a noise level sigma. */
    private static double[] alphaSigma(double sigma) {
        double a = 1 / Math.sqrt(sigma * sigma + 1);
        return new double[] {a, sigma * a};
    }

    @Test
    void leadingSpacingTakesNPlusOnePointsAndDropsZero() {
        DPMSolverMultistepScheduler s = dpm("\"timestep_spacing\": \"leading\"");
        s.setTimesteps(20);
        double[] t = s.timesteps();
        // step_ratio = 1000 // 21 = 47: 20*47 + 1, 19*47 + 1, ..., 1*47 + 1
        assertEquals(20, t.length);
        assertEquals(941.0, t[0]);
        assertEquals(894.0, t[1]);
        assertEquals(48.0, t[19]);
        double[] sigmas = s.sigmas();
        assertEquals(21, sigmas.length);
        assertEquals(0.0, sigmas[20]);
        double a = s.alphasCumprod()[941];
        assertEquals((float) Math.sqrt((1 - a) / a), (float) sigmas[0], 1e-6);
        assertEquals(1.0, s.initNoiseSigma());
    }

    @Test
    void linspaceIsTheDefaultAndStartsAtTheLastTrainingTimestep() {
        DPMSolverMultistepScheduler s = dpm("");
        assertEquals(TimestepSpacing.LINSPACE, s.config().timestepSpacing());
        s.setTimesteps(10);
        double[] t = s.timesteps();
        assertEquals(10, t.length);
        assertEquals(999.0, t[0]);
        assertEquals(100.0, t[9]); // round(99.9)
        for (int i = 1; i < t.length; i++) {
            assertTrue(t[i] < t[i - 1]);
        }
    }

    @Test
    void karrasSigmasSpanTheTrainingRangeAndMapBackToTimesteps() {
        DPMSolverMultistepScheduler s = dpm("\"use_karras_sigmas\": true, \"final_sigmas_type\": \"sigma_min\"");
        s.setTimesteps(12);
        double[] t = s.timesteps();
        double[] sigmas = s.sigmas();
        double[] acp = s.alphasCumprod();
        assertEquals(999.0, t[0]);
        assertEquals(0.0, t[11]);
        assertEquals((float) Math.sqrt((1 - acp[999]) / acp[999]), (float) sigmas[0], 1e-5);
        assertEquals((float) Math.sqrt((1 - acp[0]) / acp[0]), (float) sigmas[11], 1e-6);
        assertEquals(sigmas[11], sigmas[12]); // final_sigmas_type sigma_min
        // rho = 7: sigma^(1/7) is linear in the step
        double d1 = Math.pow(sigmas[0], 1 / 7.0) - Math.pow(sigmas[1], 1 / 7.0);
        double d2 = Math.pow(sigmas[5], 1 / 7.0) - Math.pow(sigmas[6], 1 / 7.0);
        assertEquals(d1, d2, 1e-5);
    }

    @Test
    void firstStepIsFirstOrderAndTheLastReturnsTheDataPrediction() {
        DPMSolverMultistepScheduler s = dpm("\"timestep_spacing\": \"leading\", \"steps_offset\": 1");
        s.setTimesteps(5);
        double[] t = s.timesteps();
        double[] sig = s.sigmas();
        NDArray x = data(m, 3, 2, 4, 6, 6);
        NDArray eps = data(m, 4, 2, 4, 6, 6);
        StepOutput o = s.step(eps, t[0], x, NO_NOISE);
        double[] s0 = alphaSigma(sig[0]);
        double[] s1 = alphaSigma(sig[1]);
        // x0 = (x - sigma_t eps) / alpha_t; first order: x' = sigma_t'/sigma_t x - alpha_t' (e^-h - 1) x0
        NDArray x0 = x.sub(eps.mul(s0[1])).div(s0[0]);
        assertTrue(maxAbsDiff(o.predOriginalSample(), x0) < 1e-5);
        double h = Math.log(s1[0] / s1[1]) - Math.log(s0[0] / s0[1]);
        NDArray expected = x.mul(s1[1] / s0[1]).sub(x0.mul(s1[0] * (Math.exp(-h) - 1)));
        assertTrue(maxAbsDiff(o.prevSample(), expected) < 1e-5);
        x = o.prevSample();
        for (int i = 1; i < t.length; i++) {
            o = s.step(data(m, 10 + i, 2, 4, 6, 6), t[i], x, NO_NOISE);
            x = o.prevSample();
        }
        // final sigma 0: the last step is first order and lands exactly on its data prediction
        assertEquals(0.0, maxAbsDiff(o.prevSample(), o.predOriginalSample()), 1e-6);
        NDArray last = x;
        assertThrows(IllegalStateException.class, () -> s.step(last, t[4], last, NO_NOISE));
    }

    @Test
    void secondOrderUsesThePreviousDataPrediction() {
        DPMSolverMultistepScheduler s = dpm("\"timestep_spacing\": \"leading\"");
        s.setTimesteps(20);
        double[] t = s.timesteps();
        double[] sig = s.sigmas();
        NDArray x = data(m, 1, 1, 4, 4, 4);
        StepOutput first = s.step(data(m, 2, 1, 4, 4, 4), t[0], x, NO_NOISE);
        NDArray x1 = first.prevSample();
        StepOutput second = s.step(data(m, 3, 1, 4, 4, 4), t[1], x1, NO_NOISE);
        double[] at = alphaSigma(sig[2]);
        double[] a0 = alphaSigma(sig[1]);
        double[] a1 = alphaSigma(sig[0]);
        double lt = Math.log(at[0] / at[1]);
        double l0 = Math.log(a0[0] / a0[1]);
        double l1 = Math.log(a1[0] / a1[1]);
        double h = lt - l0;
        double r0 = (l0 - l1) / h;
        NDArray m0 = second.predOriginalSample();
        NDArray m1 = first.predOriginalSample();
        NDArray d1 = m0.sub(m1).mul(1 / r0);
        double c = at[0] * (Math.exp(-h) - 1);
        NDArray expected = x1.mul(at[1] / a0[1]).sub(m0.mul(c)).sub(d1.mul(0.5 * c)); // midpoint
        assertTrue(maxAbsDiff(second.prevSample(), expected) < 1e-4);
    }

    @Test
    void copyCarriesTheHistoryAndStepIndex() {
        DPMSolverMultistepScheduler s = dpm("");
        s.setTimesteps(8);
        double[] t = s.timesteps();
        NDArray x = data(m, 5, 1, 4, 4, 4);
        x = s.step(data(m, 6, 1, 4, 4, 4), t[0], x, NO_NOISE).prevSample();
        try (DPMSolverMultistepScheduler copy = s.copy()) {
            NDArray eps = data(m, 7, 1, 4, 4, 4);
            NDArray a = s.step(eps, t[1], x, NO_NOISE).prevSample();
            NDArray b = copy.step(eps, t[1], x, NO_NOISE).prevSample();
            assertEquals(0.0, maxAbsDiff(a, b));
        }
        s.close();
    }

    @Test
    void addNoiseIsTheVpForwardProcessAtTheScheduleSigma() {
        DPMSolverMultistepScheduler s = dpm("\"timestep_spacing\": \"leading\"");
        s.setTimesteps(20);
        double t = s.timesteps()[3];
        double[] as = alphaSigma(s.sigmas()[3]);
        NDArray x = data(m, 8, 1, 4, 4, 4);
        NDArray n = data(m, 9, 1, 4, 4, 4);
        assertTrue(maxAbsDiff(s.addNoise(x, n, new double[] {t}), x.mul(as[0]).add(n.mul(as[1]))) < 1e-5);
    }

    @Test
    void registryNamesAndRefusedVariants() {
        Scheduler s = Schedulers.fromConfig(json(SchedulerTestSupport.SD15 + ", \"_class_name\": \"PNDMScheduler\""),
                "dpm-solver++");
        assertInstanceOf(DPMSolverMultistepScheduler.class, s);
        assertEquals(2, s.config().dpmSolver().solverOrder());
        assertTrue(!s.config().dpmSolver().useKarrasSigmas());
        Scheduler k = Schedulers.fromConfig(json(SchedulerTestSupport.SD15), "dpm-solver++-karras");
        assertTrue(k.config().dpmSolver().useKarrasSigmas());
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> dpm("\"algorithm_type\": \"sde-dpmsolver++\""));
        assertTrue(e.getMessage().contains("algorithm_type"), e.getMessage());
        e = assertThrows(WeightLoadException.class, () -> dpm("\"solver_order\": 3"));
        assertTrue(e.getMessage().contains("solver_order"), e.getMessage());
        e = assertThrows(WeightLoadException.class, () -> config(Schedulers.DDIM, "\"use_karras_sigmas\": true"));
        assertTrue(e.getMessage().contains("use_karras_sigmas"), e.getMessage());
        assertThrows(WeightLoadException.class, () -> Schedulers.fromConfig(json(SchedulerTestSupport.SD15), "heun"));
    }
}
