package ai.t2vzero;

import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The parity suite on the reference set of {@code -Dt2vzero.reference=<dir>} (default {@code ../shared/reference}):
 * one dynamic test per case of its manifest, dispatched by kind (see {@link ParitySuite}). Writes
 * {@code target/parity-report.json} and {@code target/parity-out/}.
 */
class ReferenceParityTest {

    @TestFactory
    Stream<DynamicTest> referenceCases() {
        return ParitySuite.cases(Reference.load());
    }
}
