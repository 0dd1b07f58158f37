package ai.t2vzero;

import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The parity suite on this repository's "trailing" timestep-spacing chains, {@code src/test/resources/reference-trailing}
 * (DDIM, PNDM and DPM-Solver++ at 61 and 122 steps, where numpy's arange yields one extra timestep, -1, which diffusers
 * 0.27.2 keeps and runs, and at 20; made by {@code tools/reference/make_trailing_reference.py}, which derives the
 * PNDM and DPM-Solver++ tolerances from diffusers' own float32-vs-float64 spread), through the same checkers; its
 * results join the other sets' in {@code target/parity-report.json}. {@code -Dt2vzero.reference.trailing=<dir>} moves it.
 */
class TrailingSpacingParityTest {

    @TestFactory
    Stream<DynamicTest> trailingSpacingCases() {
        return ParitySuite.cases(Reference.trailing());
    }
}
