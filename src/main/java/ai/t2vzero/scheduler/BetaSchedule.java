package ai.t2vzero.scheduler;

import ai.t2vzero.weights.WeightLoadException;

/**
 * {@code beta_schedule} of a scheduler config: how the training betas are spaced. Only the two schedules of the
 * Stable Diffusion family are implemented; {@code squaredcos_cap_v2} and others are refused by {@link #parse}.
 */
public enum BetaSchedule {
    /** {@code torch.linspace(beta_start, beta_end, T)}. */
    LINEAR("linear"),
    /** {@code torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T) ** 2}: the latent-diffusion schedule. */
    SCALED_LINEAR("scaled_linear");

    private final String key;

    BetaSchedule(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static BetaSchedule parse(String value, String source) {
        for (BetaSchedule s : values()) {
            if (s.key.equals(value)) {
                return s;
            }
        }
        throw new WeightLoadException(source + ": 'beta_schedule' = \"" + value + "\" is not supported (only linear, "
                + "scaled_linear)");
    }

    /**
     * The {@code T} training betas as float32 values (held in doubles), computed as diffusers does in float32:
     * {@code torch.linspace} (start + step * i for the first half, end - step * (T - 1 - i) for the second), squared
     * for {@link #SCALED_LINEAR}.
     */
    public double[] betas(double betaStart, double betaEnd, int numTrainTimesteps) {
        float start = (float) (this == SCALED_LINEAR ? Math.sqrt(betaStart) : betaStart);
        float end = (float) (this == SCALED_LINEAR ? Math.sqrt(betaEnd) : betaEnd);
        float[] lin = linspaceF32(start, end, numTrainTimesteps);
        double[] betas = new double[numTrainTimesteps];
        for (int i = 0; i < numTrainTimesteps; i++) {
            betas[i] = this == SCALED_LINEAR ? lin[i] * lin[i] : lin[i]; // float * float: float32 square
        }
        return betas;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} as libtorch's AVX2 CPU kernel computes it, to the
     * last bit: step = (end - start) / (steps - 1) in float32; values are produced in pairs of 8-lane vectors, each
     * vector from a base {@code start + step * idx} (or {@code end - step * (steps - 1 - idx)} from the halfway
     * point on) computed with a fused multiply-add, plus {@code k * step} per lane; the tail is scalar. (Plain
     * {@code start + i * step} differs by an ulp in ~60% of the SD betas, which shows in sigma_max.)
     */
    static float[] linspaceF32(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        int lanes = 8;
        int idx = 0;
        for (; idx + 2 * lanes <= steps; ) { // whole pairs of vectors only
            for (int v = 0; v < 2; v++, idx += lanes) {
                float base = idx < halfway ? Math.fma(step, (float) idx, start)
                        : Math.fma(-step, (float) (steps - idx - 1), end);
                for (int k = 0; k < lanes; k++) {
                    out[idx + k] = Math.fma((float) k, step, base);
                }
            }
        }
        for (; idx < steps; idx++) {
            out[idx] = idx < halfway ? Math.fma(step, (float) idx, start)
                    : Math.fma(-step, (float) (steps - idx - 1), end);
        }
        return out;
    }
}
