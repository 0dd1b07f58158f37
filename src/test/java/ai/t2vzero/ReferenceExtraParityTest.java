package ai.t2vzero;

import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The parity suite on this repository's own golden cases, {@code src/test/resources/reference-extra} (DPM-Solver++
 * chains, text-to-video with 20 steps and Euler-type schedulers; made by {@code tools/reference/make_reference_extra.py}
 * with diffusers 0.27.2), through the same checkers as the shared set; its results join the shared set's in
 * {@code target/parity-report.json}. {@code -Dt2vzero.reference} does not move this set
 * ({@code -Dt2vzero.reference.extra=<dir>} does).
 */
class ReferenceExtraParityTest {

    @TestFactory
    Stream<DynamicTest> referenceExtraCases() {
        return ParitySuite.cases(Reference.extra());
    }
}
