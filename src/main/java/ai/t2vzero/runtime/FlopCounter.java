package ai.t2vzero.runtime;

/**
 * Counts the floating-point operations of the matrix products a forward pass performs (convolutions, linear
 * layers, attention scores and mixing: 2 FLOPs per multiply-add), for the benchmark's GFLOP/s. Off unless a
 * {@link #measure} is running on the current thread, so production calls pay one thread-local read per layer.
 */
public final class FlopCounter {

    private static final ThreadLocal<long[]> ACTIVE = new ThreadLocal<>();

    private FlopCounter() {}

    /** Runs {@code body} and returns the FLOPs its layers reported. */
    public static long measure(Runnable body) {
        long[] previous = ACTIVE.get();
        long[] count = {0};
        ACTIVE.set(count);
        try {
            body.run();
        } finally {
            ACTIVE.set(previous);
            if (previous != null) {
                previous[0] += count[0];
            }
        }
        return count[0];
    }

    /** Reports {@code multiplyAdds} multiply-accumulate operations (counted as 2 FLOPs each). */
    public static void add(long multiplyAdds) {
        long[] c = ACTIVE.get();
        if (c != null) {
            c[0] += 2 * multiplyAdds;
        }
    }
}
