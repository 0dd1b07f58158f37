package ai.t2vzero.scheduler;

import ai.t2vzero.weights.WeightLoadException;

/**
 * {@code timestep_spacing} of a scheduler config: how {@code n} inference timesteps are picked among the
 * {@code T} training timesteps (Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed",
 * arXiv 2305.08891).
 */
public enum TimestepSpacing {
    /** {@code arange(n) * (T // n) + steps_offset}: SD 1.x's DDIM/PNDM (20 steps: 951, 901, ..., 1). */
    LEADING("leading"),
    /** {@code linspace(0, T - 1, n)}: Euler-Ancestral's default (starts at T - 1). */
    LINSPACE("linspace"),
    /** {@code round(arange(T, 0, -T / n)) - 1}. */
    TRAILING("trailing");

    private final String key;

    TimestepSpacing(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static TimestepSpacing parse(String value, String source) {
        for (TimestepSpacing s : values()) {
            if (s.key.equals(value)) {
                return s;
            }
        }
        throw new WeightLoadException(source + ": 'timestep_spacing' = \"" + value + "\" is not supported (only "
                + "leading, linspace, trailing)");
    }

    /**
     * The inference timesteps in denoising order (descending), in float64 as numpy computes them, NOT rounded:
     * {@link #LINSPACE} gives fractional values (DDIM/PNDM round them half-to-even, Euler-Ancestral keeps them as
     * float32). {@link #LEADING} adds {@code stepsOffset}; the others ignore it, as diffusers does.
     */
    public double[] descending(int numTrainTimesteps, int n, int stepsOffset) {
        if (n < 1 || n > numTrainTimesteps) {
            throw new IllegalArgumentException("num_inference_steps must be in [1, " + numTrainTimesteps + "] (got "
                    + n + ")");
        }
        return switch (this) {
            case LEADING -> {
                // step_ratio = T // n; (arange(0, n) * step_ratio).round()[::-1] + steps_offset
                int ratio = numTrainTimesteps / n;
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - 1 - i) * ratio + stepsOffset;
                }
                yield t;
            }
            case LINSPACE -> {
                // np.linspace(0, T - 1, n)[::-1]: i * ((T - 1) / (n - 1)), last value exactly T - 1
                double[] t = new double[n];
                double stop = numTrainTimesteps - 1;
                if (n == 1) {
                    t[0] = 0.0; // numpy: a single point is `start`
                    yield t;
                }
                double step = stop / (n - 1);
                for (int i = 0; i < n; i++) {
                    t[n - 1 - i] = i == n - 1 ? stop : i * step;
                }
                yield t;
            }
            case TRAILING -> {
                // np.round(np.arange(T, 0, -T / n)) - 1 (numpy's length rule: ceil((stop - start) / step))
                double step = -((double) numTrainTimesteps / n);
                int len = (int) Math.ceil((0 - numTrainTimesteps) / step);
                double[] t = new double[len];
                for (int i = 0; i < len; i++) {
                    t[i] = Math.rint(numTrainTimesteps + i * step) - 1;
                }
                yield t;
            }
        };
    }
}
