package ai.t2vzero;

import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The parity suite on this repository's token-merging cases against tomesd 0.1.3 itself,
 * {@code src/test/resources/reference-tome} (tomesd's {@code bipartite_soft_matching_random2d} merge and unmerge;
 * the public set's tiny UNet patched by {@code tomesd.apply_patch}; made by {@code tools/reference/make_tome_reference.py}),
 * through the same checkers; its results join the other sets' in {@code target/parity-report.json}.
 * {@code -Dt2vzero.reference} does not move this set ({@code -Dt2vzero.reference.tome=<dir>} does); its UNet cases
 * read the public set's sd15-mini next to the repository.
 */
class TokenMergingParityTest {

    @TestFactory
    Stream<DynamicTest> tokenMergingCases() {
        return ParitySuite.cases(Reference.tome());
    }
}
