package ai.t2vzero.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelRateTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    /** An op that takes {@code millis} and records each call under {@code name}. */
    private static Supplier<NDArray> op(NDManager m, String name, long millis, List<String> calls) {
        return () -> {
            calls.add(name);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return m.ones(new Shape(2, 2));
        };
    }

    @Test
    void aSlowKernelStopsAtTheBudgetAfterOneTimedCall() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> calls = new ArrayList<>();
            // 150 ms a call, budget 0.2 s: one warm-up, a second past the budget, then exactly one timed call
            double gflops = KernelRate.gflops(m, 1e9, 5, 0.0, 0.2, op(m, "slow", 150, calls));
            assertEquals(3, calls.size(), calls.toString());
            assertTrue(gflops > 1 && gflops < 6.7, "1 GFLOP in >= 150 ms: " + gflops);
            // without a budget: three warm-ups and the five runs
            calls.clear();
            KernelRate.gflops(m, 1e9, 5, 0.0, op(m, "fast", 1, calls));
            assertEquals(8, calls.size());
        }
    }

    @Test
    void fastestMillisTakesTurnsAndReportsEachOpsBest() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> calls = new ArrayList<>();
            double[] ms = KernelRate.fastestMillis(m, 2, List.of(op(m, "a", 30, calls), op(m, "b", 5, calls)));
            assertEquals(List.of("a", "b", "a", "b", "a", "b"), calls, "a warm-up round, then two, ops alternating");
            assertTrue(ms[0] >= 30 && ms[1] >= 5 && ms[1] < ms[0], ms[0] + " / " + ms[1]);
        }
    }
}
