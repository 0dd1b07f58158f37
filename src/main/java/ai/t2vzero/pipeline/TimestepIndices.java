package ai.t2vzero.pipeline;

import java.util.function.IntFunction;

/**
 * The step-count-independent meaning of Text2Video-Zero's t0/t1.
 *
 * <p>t0 < t1 are indices counted from the end of the scheduler's timestep list (diffusers slices
 * {@code timesteps[-t1-1:-t0-1]}); the defaults 44/47 are the reference behaviour for 50 steps, where they select
 * timesteps 881 and 941 of DDIM's schedule. As indices they mean something else at another step count (and are out of
 * range below 48 steps, diffusers #5365). So when a request gives no t0/t1, the pair is derived from the same
 * position in the noise schedule:
 * <ol>
 *   <li>v0, v1 = the timestep values the reference schedule ({@code referenceSteps}, 50, of the same scheduler and
 *       config) has at the default indices t0, t1;</li>
 *   <li>in the requested schedule, the entry whose timestep value is nearest to v0 (v1) gives t0 (t1), as an index
 *       from the end; on a tie the earlier (noisier) entry wins;</li>
 *   <li>if both land on the same entry, t1 moves one entry earlier (or, at the first entry, t0 one later), so that
 *       0 <= t0 < t1 <= len - 1.</li>
 * </ol>
 * At the reference step count the defaults are returned unchanged (bit-for-bit the reference behaviour). Explicit
 * t0/t1 in a request keep their index semantics. Example, DPM-Solver++ with SD 1.5's leading spacing: 50 steps give
 * 856/913 at 44/47; 20 steps (941, 894, 847, ...) give t0 = 17 (847), t1 = 18 (894).
 * {@code tools/reference/make_reference_extra.py} derives its cases' t0/t1 with the same rule.
 */
public final class TimestepIndices {

    /** A t0 < t1 pair of indices from the end of a timestep list. */
    public record T0T1(int t0, int t1) {}

    private TimestepIndices() {}

    /**
     * t0/t1 for {@code steps} denoising steps.
     *
     * @param schedule       the scheduler's timestep list for a step count (host values, as {@code timesteps()})
     * @param referenceSteps the step count the defaults are indices for (50)
     * @param t0             default t0 at {@code referenceSteps}
     * @param t1             default t1 at {@code referenceSteps}
     * @throws IllegalArgumentException when the schedule of {@code steps} has fewer than 2 entries
     */
    public static T0T1 forSteps(IntFunction<double[]> schedule, int referenceSteps, int t0, int t1, int steps) {
        if (steps == referenceSteps) {
            return new T0T1(t0, t1);
        }
        return derive(schedule.apply(referenceSteps), t0, t1, schedule.apply(steps));
    }

    /** The rule on explicit timestep lists (see the class comment). */
    public static T0T1 derive(double[] reference, int t0, int t1, double[] timesteps) {
        if (t0 < 0 || t0 >= t1 || t1 >= reference.length) {
            throw new IllegalArgumentException("defaults need 0 <= t0 < t1 < " + reference.length + " (got t0=" + t0
                    + ", t1=" + t1 + ")");
        }
        int m = timesteps.length;
        int a = nearestFromEnd(timesteps, reference[reference.length - 1 - t0]);
        int b = nearestFromEnd(timesteps, reference[reference.length - 1 - t1]);
        if (a >= b) {
            if (a + 1 <= m - 1) {
                b = a + 1;
            } else {
                a = b - 1;
            }
        }
        if (a < 0) {
            throw new IllegalArgumentException("a schedule of " + m + " timestep(s) has no room for t0 < t1");
        }
        return new T0T1(a, b);
    }

    /** The index from the end of the entry nearest to {@code value} (first entry on ties). */
    private static int nearestFromEnd(double[] timesteps, double value) {
        int best = 0;
        for (int j = 1; j < timesteps.length; j++) {
            if (Math.abs(timesteps[j] - value) < Math.abs(timesteps[best] - value)) {
                best = j;
            }
        }
        return timesteps.length - 1 - best;
    }
}
