package ai.t2vzero.model.nn;

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

    private static final ProcessChoice<AttentionKernel> CHOICE =
            new ProcessChoice<>("t2vzero.attention", AttentionKernel.class, "auto");

    public static AttentionKernel current() {
        return CHOICE.current();
    }

    /** Sets the process-wide choice (the benchmark compares both in one run); returns the previous one. */
    public static AttentionKernel set(AttentionKernel kernel) {
        return CHOICE.set(kernel);
    }

    public static AttentionKernel parse(String name) {
        return CHOICE.parse(name);
    }
}
