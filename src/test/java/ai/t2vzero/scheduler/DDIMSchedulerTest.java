package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.scheduler.SchedulerTestSupport.CountingNoise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static ai.t2vzero.scheduler.SchedulerTestSupport.NO_NOISE;
import static ai.t2vzero.scheduler.SchedulerTestSupport.config;
import static ai.t2vzero.scheduler.SchedulerTestSupport.data;
import static ai.t2vzero.scheduler.SchedulerTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DDIMSchedulerTest {

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

    private static DDIMScheduler ddim(String extra) {
        return new DDIMScheduler(config(Schedulers.DDIM, "\"clip_sample\": false, \"set_alpha_to_one\": false"
                + (extra.isEmpty() ? "" : ", " + extra)));
    }

    @Test
    void leadingTimesteps() {
        DDIMScheduler s = ddim("");
        s.setTimesteps(20);
        double[] t = s.timesteps();
        assertEquals(20, t.length);
        assertEquals(951, t[0]);
        assertEquals(1, t[19]);
        assertEquals(1.0, s.initNoiseSigma());
    }

    @Test
    void etaZeroIsFormula12AndDrawsNothing() {
        DDIMScheduler s = ddim("");
        s.setTimesteps(10);
        double[] acp = s.alphasCumprod();
        NDArray x = data(m, 1, 2, 4, 8, 8);
        NDArray eps = data(m, 2, 2, 4, 8, 8);
        int t = (int) s.timesteps()[3];
        StepOutput o = s.step(eps, t, x, NO_NOISE);
        double a = acp[t];
        double ap = acp[t - 100];
        NDArray x0 = x.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a));
        NDArray prev = x0.mul(Math.sqrt(ap)).add(eps.mul(Math.sqrt(1 - ap)));
        assertTrue(maxAbsDiff(o.predOriginalSample(), x0) < 1e-5);
        assertTrue(maxAbsDiff(o.prevSample(), prev) < 1e-5);
    }

    @Test
    void etaAboveZeroDrawsOneNoisePerStepOfTheModelOutputShape() {
        DDIMScheduler s = ddim("");
        s.setEta(0.7);
        s.setTimesteps(10);
        CountingNoise noise = new CountingNoise(0.5f);
        NDArray x = data(m, 1, 3, 4, 8, 6);
        for (double t : s.timesteps()) {
            x = s.step(data(m, (long) t, 3, 4, 8, 6), t, x, noise).prevSample();
        }
        assertEquals(10, noise.shapes.size());
        for (Shape shape : noise.shapes) {
            assertEquals(new Shape(3, 4, 8, 6), shape);
        }
    }

    @Test
    void etaAboveZeroAddsSigmaTimesNoise() {
        double eta = 0.7;
        DDIMScheduler s = ddim("");
        s.setEta(eta);
        s.setTimesteps(10);
        double[] acp = s.alphasCumprod();
        NDArray x = data(m, 1, 2, 4, 8, 8);
        NDArray eps = data(m, 2, 2, 4, 8, 8);
        int t = (int) s.timesteps()[2];
        StepOutput o = s.step(eps, t, x, new CountingNoise(0.5f));
        double a = acp[t];
        double ap = acp[t - 100];
        // formula (16): sigma_t = eta * sqrt((1 - a_prev) / (1 - a_t)) * sqrt(1 - a_t / a_prev)
        double sigma = eta * Math.sqrt((1 - ap) / (1 - a) * (1 - a / ap));
        NDArray x0 = x.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a));
        NDArray prev = x0.mul(Math.sqrt(ap)).add(eps.mul(Math.sqrt(1 - ap - sigma * sigma))).add(sigma * 0.5);
        assertTrue(maxAbsDiff(o.prevSample(), prev) < 1e-5);
        assertThrows(IllegalArgumentException.class, () -> s.step(eps, t, x, null));
    }

    @Test
    void lastStepUsesTheFinalAlpha() {
        for (boolean one : new boolean[] {false, true}) {
            DDIMScheduler s = new DDIMScheduler(config(Schedulers.DDIM, "\"clip_sample\": false, "
                    + "\"set_alpha_to_one\": " + one));
            s.setTimesteps(10);
            double[] acp = s.alphasCumprod();
            NDArray x = data(m, 1, 1, 4, 4, 4);
            NDArray eps = data(m, 2, 1, 4, 4, 4);
            StepOutput o = s.step(eps, 1, x, NO_NOISE); // prev timestep -99 < 0
            double ap = one ? 1.0 : acp[0];
            NDArray expected = o.predOriginalSample().mul(Math.sqrt(ap)).add(eps.mul(Math.sqrt(1 - ap)));
            assertTrue(maxAbsDiff(o.prevSample(), expected) < 1e-5);
        }
    }

    @Test
    void vPrediction() {
        DDIMScheduler s = ddim("\"prediction_type\": \"v_prediction\"");
        s.setTimesteps(10);
        double[] acp = s.alphasCumprod();
        NDArray x = data(m, 1, 2, 4, 8, 8);
        NDArray v = data(m, 2, 2, 4, 8, 8);
        int t = 501;
        StepOutput o = s.step(v, t, x, NO_NOISE);
        double a = acp[t];
        double ap = acp[t - 100];
        NDArray x0 = x.mul(Math.sqrt(a)).sub(v.mul(Math.sqrt(1 - a)));
        NDArray eps = v.mul(Math.sqrt(a)).add(x.mul(Math.sqrt(1 - a)));
        assertTrue(maxAbsDiff(o.predOriginalSample(), x0) < 1e-5);
        assertTrue(maxAbsDiff(o.prevSample(), x0.mul(Math.sqrt(ap)).add(eps.mul(Math.sqrt(1 - ap)))) < 1e-5);
    }

    @Test
    void clipSampleClampsThePredictedOriginal() {
        DDIMScheduler s = new DDIMScheduler(config(Schedulers.DDIM, "\"clip_sample\": true, \"clip_sample_range\": 0.5"));
        s.setTimesteps(10);
        StepOutput o = s.step(data(m, 2, 2, 4, 8, 8), 901, data(m, 1, 2, 4, 8, 8).mul(10), NO_NOISE);
        float[] x0 = o.predOriginalSample().toFloatArray();
        float max = 0;
        for (float f : x0) {
            max = Math.max(max, Math.abs(f));
        }
        assertEquals(0.5f, max);
    }

    @Test
    void addNoisePerBatchElement() {
        DDIMScheduler s = ddim("");
        double[] acp = s.alphasCumprod();
        NDArray x = data(m, 1, 2, 3, 4, 4);
        NDArray n = data(m, 2, 2, 3, 4, 4);
        NDArray noisy = s.addNoise(x, n, new double[] {10, 700});
        for (int b = 0; b < 2; b++) {
            double a = acp[b == 0 ? 10 : 700];
            NDArray e = x.get(b).mul(Math.sqrt(a)).add(n.get(b).mul(Math.sqrt(1 - a)));
            assertTrue(maxAbsDiff(noisy.get(b), e) < 1e-6);
        }
        assertThrows(IllegalArgumentException.class, () -> s.addNoise(x, n, new double[] {10}));
    }

    @Test
    void refusesNonIntegralTimestepsAndStepsBeforeSetTimesteps() {
        DDIMScheduler s = ddim("");
        NDArray x = data(m, 1, 1, 4, 2, 2);
        assertThrows(IllegalStateException.class, () -> s.step(x, 1, x, NO_NOISE));
        s.setTimesteps(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.step(x, 500.5, x, NO_NOISE));
        assertTrue(e.getMessage().contains("500.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setEta(-1));
    }

    @Test
    void copyIsIndependent() {
        DDIMScheduler s = ddim("");
        s.setEta(0.3);
        s.setTimesteps(10);
        DDIMScheduler c = s.copy();
        c.setTimesteps(50);
        c.setEta(0);
        assertEquals(10, s.timesteps().length);
        assertEquals(0.3, s.eta());
        assertArrayEquals(s.alphasCumprod(), c.alphasCumprod());
    }
}
