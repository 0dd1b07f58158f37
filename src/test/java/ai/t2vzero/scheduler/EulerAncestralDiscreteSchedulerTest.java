package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.scheduler.SchedulerTestSupport.CountingNoise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static ai.t2vzero.scheduler.SchedulerTestSupport.config;
import static ai.t2vzero.scheduler.SchedulerTestSupport.data;
import static ai.t2vzero.scheduler.SchedulerTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EulerAncestralDiscreteSchedulerTest {

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

    private static EulerAncestralDiscreteScheduler eulerA(String extra) {
        return new EulerAncestralDiscreteScheduler(config(Schedulers.EULER_ANCESTRAL, extra));
    }

    private static double sigmaAt(double[] acp, int t) {
        return Math.sqrt((1 - acp[t]) / acp[t]);
    }

    @Test
    void linspaceScheduleAndInitNoiseSigma() {
        EulerAncestralDiscreteScheduler s = eulerA("");
        s.setTimesteps(20);
        double[] t = s.timesteps();
        double[] sigmas = s.sigmas();
        assertEquals(20, t.length);
        assertEquals(21, sigmas.length);
        assertEquals(999.0, t[0]);
        assertEquals((float) (999.0 / 19 * 18), (float) t[1]); // float32 timesteps
        assertEquals(0.0, t[19]);
        assertEquals(0.0, sigmas[20]);
        double[] acp = s.alphasCumprod();
        assertEquals(sigmaAt(acp, 999), sigmas[0], 1e-5);
        // linear interpolation between the neighbouring training timesteps
        int lo = (int) Math.floor(t[1]);
        double f = t[1] - lo;
        assertEquals(sigmaAt(acp, lo) * (1 - f) + sigmaAt(acp, lo + 1) * f, sigmas[1], 1e-5);
        // "linspace": init_noise_sigma = max(sigma), not sqrt(max^2 + 1)
        assertEquals((float) sigmas[0], (float) s.initNoiseSigma());
        EulerAncestralDiscreteScheduler leading = eulerA("\"timestep_spacing\": \"leading\"");
        leading.setTimesteps(20);
        double max = leading.sigmas()[0];
        assertEquals(Math.sqrt(max * max + 1), leading.initNoiseSigma(), 1e-5);
        assertEquals(951.0, leading.timesteps()[0]);
    }

    @Test
    void stepIsTheAncestralEulerStepAndDrawsOneNoisePerStep() {
        EulerAncestralDiscreteScheduler s = eulerA("");
        s.setTimesteps(5);
        double[] t = s.timesteps();
        double[] sig = s.sigmas();
        CountingNoise noise = new CountingNoise(0.25f);
        NDArray x = data(m, 7, 2, 4, 6, 8).mul(s.initNoiseSigma());
        for (int i = 0; i < t.length; i++) {
            NDArray eps = data(m, i, 2, 4, 6, 8);
            NDArray scaled = s.scaleModelInput(x, t[i]);
            assertTrue(maxAbsDiff(scaled, x.div(Math.sqrt(sig[i] * sig[i] + 1))) < 1e-5);
            StepOutput o = s.step(eps, t[i], x, noise);
            double up = Math.sqrt(sig[i + 1] * sig[i + 1] * (sig[i] * sig[i] - sig[i + 1] * sig[i + 1])
                    / (sig[i] * sig[i]));
            double down = Math.sqrt(sig[i + 1] * sig[i + 1] - up * up);
            // x0 = x - sigma eps; d = (x - x0) / sigma = eps; x' = x + d (sigma_down - sigma) + z sigma_up
            assertTrue(maxAbsDiff(o.predOriginalSample(), x.sub(eps.mul(sig[i]))) < 1e-4);
            NDArray expected = x.add(eps.mul(down - sig[i])).add(0.25 * up);
            assertTrue(maxAbsDiff(o.prevSample(), expected) < 1e-4, "step " + i);
            x = o.prevSample();
        }
        assertEquals(5, noise.shapes.size()); // the last step draws too (sigma_up = 0)
        for (Shape shape : noise.shapes) {
            assertEquals(new Shape(2, 4, 6, 8), shape);
        }
        NDArray last = x;
        assertThrows(IllegalStateException.class, () -> s.step(last, 0.0, last, noise));
    }

    @Test
    void vPrediction() {
        EulerAncestralDiscreteScheduler s = eulerA("\"prediction_type\": \"v_prediction\"");
        s.setTimesteps(10);
        double sigma = s.sigmas()[0];
        NDArray x = data(m, 1, 1, 4, 4, 4);
        NDArray v = data(m, 2, 1, 4, 4, 4);
        StepOutput o = s.step(v, s.timesteps()[0], x, new CountingNoise(0f));
        NDArray x0 = v.mul(-sigma / Math.sqrt(sigma * sigma + 1)).add(x.div(sigma * sigma + 1));
        assertTrue(maxAbsDiff(o.predOriginalSample(), x0) < 1e-5);
    }

    @Test
    void stepIndexStartsAtTheGivenTimestepAndCopiesKeepIt() {
        EulerAncestralDiscreteScheduler s = eulerA("");
        s.setTimesteps(10);
        double[] t = s.timesteps();
        NDArray x = data(m, 1, 1, 4, 4, 4);
        // entering mid-way (img2img): the first call picks the index of its timestep
        NDArray scaled = s.scaleModelInput(x, t[4]);
        assertTrue(maxAbsDiff(scaled, x.div(Math.sqrt(s.sigmas()[4] * s.sigmas()[4] + 1))) < 1e-6);
        EulerAncestralDiscreteScheduler copy = s.copy();
        s.step(x, t[4], x, new CountingNoise(0f));
        // the copy is still at step 4, the original at step 5
        assertTrue(maxAbsDiff(copy.scaleModelInput(x, t[4]), scaled) == 0.0);
        assertTrue(maxAbsDiff(s.scaleModelInput(x, t[5]), x.div(Math.sqrt(s.sigmas()[5] * s.sigmas()[5] + 1))) < 1e-6);
        EulerAncestralDiscreteScheduler fresh = eulerA("");
        fresh.setTimesteps(10);
        assertThrows(IllegalArgumentException.class, () -> fresh.scaleModelInput(x, 500.0));
        assertThrows(IllegalArgumentException.class, () -> fresh.step(x, t[0], x, null));
    }

    @Test
    void addNoiseUsesTheSigmaOfEachTimestep() {
        EulerAncestralDiscreteScheduler s = eulerA("");
        s.setTimesteps(20);
        double[] t = s.timesteps();
        double[] sig = s.sigmas();
        NDArray x = data(m, 1, 3, 4, 4, 4);
        NDArray n = data(m, 2, 3, 4, 4, 4);
        NDArray noisy = s.addNoise(x, n, new double[] {t[0], t[7], t[19]});
        int[] idx = {0, 7, 19};
        for (int b = 0; b < 3; b++) {
            assertTrue(maxAbsDiff(noisy.get(b), x.get(b).add(n.get(b).mul(sig[idx[b]]))) < 1e-5);
        }
    }

    @Test
    void interpMatchesNumpy() {
        double[] fp = {1.0, 3.0, 4.0};
        assertEquals(1.0, EulerAncestralDiscreteScheduler.interp(-1, fp));
        assertEquals(2.0, EulerAncestralDiscreteScheduler.interp(0.5, fp));
        assertEquals(3.0, EulerAncestralDiscreteScheduler.interp(1.0, fp));
        assertEquals(3.25, EulerAncestralDiscreteScheduler.interp(1.25, fp));
        assertEquals(4.0, EulerAncestralDiscreteScheduler.interp(2.0, fp));
        assertEquals(4.0, EulerAncestralDiscreteScheduler.interp(9.0, fp));
    }
}
