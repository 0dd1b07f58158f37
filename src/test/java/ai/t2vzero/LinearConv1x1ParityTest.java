package ai.t2vzero;

import ai.t2vzero.model.nn.LinearAlgorithm;
import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Set;
import java.util.stream.Stream;

/**
 * The reference set's model and pipeline cases again with every float32 linear layer computed as the 1x1
 * convolution it equals ({@code t2vzero.linear=conv1x1}: oneDNN instead of MKL), which {@code auto} takes wherever
 * {@code LinearSpeed} measures it faster; at the manifest's own tolerances. Reported as {@code <case>@conv1x1} in
 * {@code target/parity-report.json}.
 */
class LinearConv1x1ParityTest {

    private static final Set<String> WITH_LINEAR_LAYERS = Set.of("text_encoder", "unet", "controlnet", "vae_encode",
            "vae_decode", "pipeline_text2video", "pipeline_controlnet_video", "pipeline_pix2pix_video");

    private static LinearAlgorithm before;

    @BeforeAll
    static void conv1x1() {
        before = LinearAlgorithm.set(LinearAlgorithm.CONV1X1);
    }

    @AfterAll
    static void restore() {
        LinearAlgorithm.set(before);
    }

    @TestFactory
    Stream<DynamicTest> referenceCasesWithLinearLayersAsConvolutions() {
        return ParitySuite.cases(Reference.load(), "@conv1x1", WITH_LINEAR_LAYERS);
    }
}
