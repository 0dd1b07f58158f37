package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;

/**
 * How close a computed output must be to its reference tensor: {@code |actual - expected| <= atol + rtol *
 * |expected|} elementwise, with atol and rtol chosen per case and output. {@link #MANIFEST} takes the manifest's own;
 * a run in another precision brings its own rule.
 */
@FunctionalInterface
public interface ToleranceRule {

    Tolerance of(ParityCase c, String output, NDArray expected);

    record Tolerance(double atol, double rtol) {}

    /** The reference manifest's tolerances. */
    ToleranceRule MANIFEST = (c, output, expected) -> new Tolerance(c.atol(output), c.rtol());
}
