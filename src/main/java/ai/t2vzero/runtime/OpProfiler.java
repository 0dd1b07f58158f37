package ai.t2vzero.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time per op kind (conv, linear, attention, groupnorm, ...) of a forward pass, for the benchmark's
 * {@code --profile}: layers bracket their kernel call with {@code long t = OpProfiler.start(); ...;
 * OpProfiler.stop("conv", t);}. Off unless a {@link #measure} runs on the current thread, so production calls pay
 * one thread-local read per layer. libtorch's CPU ops are synchronous, so the wall time of a call is its cost; on
 * CUDA kernels are queued asynchronously and these figures are not meaningful (the benchmark says so).
 */
public final class OpProfiler {

    private static final ThreadLocal<Map<String, long[]>> ACTIVE = new ThreadLocal<>();

    private OpProfiler() {}

    /** Runs {@code body}; returns op kind -> {nanoseconds, calls}, in first-seen order. */
    public static Map<String, long[]> measure(Runnable body) {
        Map<String, long[]> previous = ACTIVE.get();
        Map<String, long[]> times = new LinkedHashMap<>();
        ACTIVE.set(times);
        try {
            body.run();
        } finally {
            ACTIVE.set(previous);
        }
        return times;
    }

    /** A start mark: 0 when no measurement is running (then {@link #stop} does nothing). */
    public static long start() {
        return ACTIVE.get() == null ? 0 : System.nanoTime();
    }

    public static void stop(String kind, long start) {
        if (start == 0) {
            return;
        }
        Map<String, long[]> times = ACTIVE.get();
        if (times != null) {
            long[] t = times.computeIfAbsent(kind, k -> new long[2]);
            t[0] += System.nanoTime() - start;
            t[1]++;
        }
    }
}
