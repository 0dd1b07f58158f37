package ai.t2vzero.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** The rate one fixed kernel demonstrably reaches on this machine: what micro-benchmarks and measured choices use. */
public final class KernelRate {

    private KernelRate() {
    }

    /**
     * GFLOP/s of {@code op} ({@code flops} per call) in the fastest of at least {@code runs} timed calls (and at
     * least {@code minSeconds} of them) after three warm-ups. The fastest run is the one least disturbed by the rest
     * of the system (a median of 5 short runs right after loading the weights scattered from 44 to 71 GFLOP/s on the
     * README's machine). Every call's arrays are closed before the next.
     */
    public static double gflops(NDManager parent, double flops, int runs, double minSeconds, Supplier<NDArray> op) {
        return gflops(parent, flops, runs, minSeconds, Double.POSITIVE_INFINITY, op);
    }

    /**
     * As above, but stops warming up and timing once {@code maxSeconds} have been spent in all (warm-ups included),
     * after at least one timed call: a kernel that slow has shown its rate well enough for a comparison (an emulated
     * bfloat16 convolution takes seconds per call where float32 takes 50 ms).
     */
    public static double gflops(NDManager parent, double flops, int runs, double minSeconds, double maxSeconds,
                                Supplier<NDArray> op) {
        double best = Double.MAX_VALUE;
        double timed = 0;
        double total = 0;
        for (int i = -3; (i < runs || timed < minSeconds) && !(i > 0 && total > maxSeconds); i++) {
            try (NDManager m = parent.newSubManager(); NDScope ignored = new NDScope()) {
                long t = System.nanoTime();
                NDArray r = op.get();
                r.get(0).flatten().get(0).toType(DataType.FLOAT32, false).getFloat(); // waits for a GPU
                r.close();
                double seconds = (System.nanoTime() - t) / 1e9;
                total += seconds;
                if (i >= 0) {
                    best = Math.min(best, seconds);
                    timed += seconds;
                } else if (total > maxSeconds) {
                    i = -1;                                                     // warm enough: time one call
                }
            }
        }
        return flops / 1e9 / best;
    }

    /**
     * The fastest time in milliseconds of each of {@code ops} over {@code rounds} rounds after one warm-up round, the
     * ops taking turns within a round: what a comparison on a shared machine needs (a busy moment slows every op of
     * that round, not one of them). Every call's arrays are closed before the next.
     */
    public static double[] fastestMillis(NDManager parent, int rounds, List<Supplier<NDArray>> ops) {
        double[] best = new double[ops.size()];
        Arrays.fill(best, Double.MAX_VALUE);
        for (int round = -1; round < rounds; round++) {
            for (int k = 0; k < ops.size(); k++) {
                try (NDManager m = parent.newSubManager(); NDScope ignored = new NDScope()) {
                    long t = System.nanoTime();
                    NDArray r = ops.get(k).get();
                    r.get(0).flatten().get(0).toType(DataType.FLOAT32, false).getFloat(); // waits for a GPU
                    r.close();
                    if (round >= 0) {
                        best[k] = Math.min(best[k], (System.nanoTime() - t) / 1e6);
                    }
                }
            }
        }
        return best;
    }
}
