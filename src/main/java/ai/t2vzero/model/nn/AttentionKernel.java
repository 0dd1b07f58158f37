package ai.t2vzero.model.nn;

import java.util.Locale;

/**
 * Which kernel computes {@code softmax(q k^T) v} in {@link Attention#attend}: libtorch's fused
 * {@code scaled_dot_product_attention} ({@link ScaledDotProductAttention}: flash / memory-efficient kernels on CUDA,
 * the blocked flash kernel on CPU; never materializes the [B*H, N, M] scores), or our sliced matmul-softmax-matmul.
 * {@code AUTO} uses the fused kernel wherever its module loads, the sliced one otherwise and for diffusers'
 * upcast_attention in half precision (the fused kernels do not upcast the scores). Process-wide, chosen by the JVM
 * system property {@code t2vzero.attention} = auto | sdpa | sliced (default auto), or by {@link #set} (benchmark).
 */
public enum AttentionKernel {
    AUTO, SDPA, SLICED;

    private static volatile AttentionKernel current = parse(System.getProperty("t2vzero.attention", "auto"));

    public static AttentionKernel current() {
        return current;
    }

    /** Sets the process-wide choice (the benchmark compares both in one run); returns the previous one. */
    public static AttentionKernel set(AttentionKernel kernel) {
        AttentionKernel previous = current;
        current = kernel;
        return previous;
    }

    public static AttentionKernel parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("t2vzero.attention must be auto, sdpa or sliced (got '" + name + "')");
        }
    }
}
