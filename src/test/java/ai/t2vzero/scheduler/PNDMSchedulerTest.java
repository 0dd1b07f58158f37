package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ai.t2vzero.scheduler.SchedulerTestSupport.NO_NOISE;
import static ai.t2vzero.scheduler.SchedulerTestSupport.config;
import static ai.t2vzero.scheduler.SchedulerTestSupport.data;
import static ai.t2vzero.scheduler.SchedulerTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PNDMSchedulerTest {

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

    private static PNDMScheduler pndm() {
        return new PNDMScheduler(config(Schedulers.PNDM, "\"skip_prk_steps\": true, \"set_alpha_to_one\": false"));
    }

    @Test
    void secondTimestepIsRepeated() {
        PNDMScheduler s = pndm();
        s.setTimesteps(20);
        double[] t = s.timesteps();
        assertEquals(21, t.length);
        assertArrayEquals(new double[] {951, 901, 901, 851}, java.util.Arrays.copyOf(t, 4));
        assertEquals(1, t[20]);
        s.setTimesteps(1); // _timesteps[-2:-1] is empty for one step
        assertArrayEquals(new double[] {1}, s.timesteps());
        s.close();
    }

    @Test
    void plmsStepsMatchTheMultistepFormula() {
        PNDMScheduler s = pndm();
        s.setTimesteps(10);
        double[] acp = s.alphasCumprod();
        double[] t = s.timesteps();
        NDArray x = data(m, 100, 2, 4, 4, 4);
        NDArray x0 = x;
        List<NDArray> ets = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            NDArray e = data(m, i, 2, 4, 4, 4);
            StepOutput o = s.step(e, t[i], x, NO_NOISE);
            assertNull(o.predOriginalSample());
            // expected, in double: counter 1 re-does the first step from x_T with the averaged output
            NDArray expected;
            if (i == 1) {
                expected = prev(acp, (int) t[i] + 100, (int) t[i], x0, e.add(ets.get(0)).div(2));
            } else {
                ets.add(e);
                int n = ets.size();
                NDArray combined = switch (n) {
                    case 1 -> e;
                    case 2 -> ets.get(1).mul(3).sub(ets.get(0)).div(2);
                    case 3 -> ets.get(2).mul(23).sub(ets.get(1).mul(16)).add(ets.get(0).mul(5)).div(12);
                    default -> ets.get(n - 1).mul(55).sub(ets.get(n - 2).mul(59)).add(ets.get(n - 3).mul(37))
                            .sub(ets.get(n - 4).mul(9)).div(24);
                };
                expected = prev(acp, (int) t[i], (int) t[i] - 100, x, combined);
            }
            assertTrue(maxAbsDiff(o.prevSample(), expected) < 1e-5, "step " + i);
            x = o.prevSample();
        }
        s.close();
    }

    /** Formula (9) of PNDM in double. */
    private static NDArray prev(double[] acp, int t, int prevT, NDArray x, NDArray e) {
        double a = acp[t];
        double ap = prevT >= 0 ? acp[prevT] : acp[0];
        double denom = a * Math.sqrt(1 - ap) + Math.sqrt(a * (1 - a) * ap);
        return x.mul(Math.sqrt(ap / a)).sub(e.mul((ap - a) / denom));
    }

    @Test
    void historySurvivesTheCallersScopeAndCopiesAreIndependent() {
        PNDMScheduler s = pndm();
        s.setTimesteps(10);
        double[] t = s.timesteps();
        NDArray x = data(m, 100, 1, 4, 4, 4);
        for (int i = 0; i < 3; i++) {
            try (NDScope ignore = new NDScope()) { // model outputs die with the step's scope
                NDArray e = data(m, i, 1, 4, 4, 4);
                x = s.step(e, t[i], x, NO_NOISE).prevSample();
                NDScope.unregister(x);
            }
        }
        assertSame(m, x.getManager()); // step 1 restarts from a history copy, but hands back a caller-owned sample
        PNDMScheduler copy = s.copy();
        NDArray fromOriginal = x;
        for (int i = 3; i < 6; i++) {
            fromOriginal = s.step(data(m, i, 1, 4, 4, 4), t[i], fromOriginal, NO_NOISE).prevSample();
        }
        s.close(); // frees the original's history; the copy owns its own, and returned samples are the caller's
        NDArray fromCopy = x;
        for (int i = 3; i < 6; i++) {
            fromCopy = copy.step(data(m, i, 1, 4, 4, 4), t[i], fromCopy, NO_NOISE).prevSample();
        }
        assertEquals(0.0, maxAbsDiff(fromOriginal, fromCopy));
        copy.close();
    }

    @Test
    void setTimestepsResetsTheHistory() {
        PNDMScheduler s = pndm();
        s.setTimesteps(10);
        double[] t = s.timesteps();
        NDArray x = data(m, 100, 1, 4, 4, 4);
        NDArray e = data(m, 1, 1, 4, 4, 4);
        NDArray first = s.step(e, t[0], x, NO_NOISE).prevSample();
        s.step(e, t[1], first, NO_NOISE);
        s.step(e, t[2], first, NO_NOISE);
        s.setTimesteps(10);
        assertEquals(0.0, maxAbsDiff(first, s.step(e, t[0], x, NO_NOISE).prevSample()));
        s.close();
    }
}
