package ai.t2vzero;

import ai.t2vzero.model.nn.ConvAlgorithm;
import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Set;
import java.util.stream.Stream;

/**
 * The reference set's model and pipeline cases again, with every "same" 3x3 convolution computed as Winograd
 * F(2x2, 3x3) ({@code t2vzero.conv=winograd}): the reference checkpoints are too narrow for {@code auto} to take it
 * (it does from 128 channels where measured faster, i.e. on nearly every layer of a real SD 1.x checkpoint on an
 * AVX2 CPU), so this is where the UNet, the VAE, the ControlNet and the three pipelines prove it against diffusers,
 * at the manifest's own tolerances. Reported as
 * {@code <case>@winograd} in {@code target/parity-report.json}.
 */
class WinogradConvParityTest {

    private static final Set<String> WITH_CONVOLUTIONS = Set.of("unet", "controlnet", "vae_encode", "vae_decode",
            "pipeline_text2video", "pipeline_controlnet_video", "pipeline_pix2pix_video");

    private static ConvAlgorithm before;

    @BeforeAll
    static void winograd() {
        before = ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
    }

    @AfterAll
    static void restore() {
        ConvAlgorithm.set(before);
    }

    @TestFactory
    Stream<DynamicTest> referenceCasesWithWinogradConvolutions() {
        return ParitySuite.cases(Reference.load(), "@winograd", WITH_CONVOLUTIONS);
    }
}
