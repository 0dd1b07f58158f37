package ai.t2vzero;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParitySuite;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.testing.ToleranceRule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Map;
import java.util.stream.Stream;

/**
 * The reference set's model and pipeline cases again with bfloat16 products ({@code t2v.models.dtype=bf16}: linear
 * and convolution weights and products in bfloat16, everything else float32), against the same float32 goldens, at
 * the bf16 tolerances below. Reported as {@code <case>@bf16} in {@code target/parity-report.json}.
 *
 * <p>The bf16 tolerance of a module kind: {@code |actual - expected| <= r * (max|expected| + |expected|)} per output,
 * r from {@link #RELATIVE} (never below the manifest's own atol and rtol). A bfloat16 product rounds each operand to
 * 8 significant bits (relative step 2^-8 = 0.4%); across the layers of a model the errors add up to about 1% of an
 * output's range (reference set: text encoder 0.9%, UNet 0.6-1.0%, ControlNet 1.7%, VAE 1.2-1.5%). In a pipeline the
 * classifier-free guidance multiplies the error of (cond - uncond) by the guidance scale (7.5: the text-to-video
 * cases' last noise prediction is 6.1% off), and the steps carry it on. The bounds are three to four times what the
 * reference cases measure, so that other seeds, sizes and prompts pass, while a wrong layer (a missed bias, a
 * transposed weight) is off by the output's whole range.
 */
class Bfloat16ParityTest {

    static final Map<String, Double> RELATIVE = Map.of(
            "text_encoder", 0.05,
            "unet", 0.05,
            "controlnet", 0.05,
            "vae_encode", 0.05,
            "vae_decode", 0.05,
            "pipeline_text2video", 0.25,
            "pipeline_controlnet_video", 0.25,
            "pipeline_pix2pix_video", 0.25);

    private static DataType before;

    @BeforeAll
    static void bfloat16() {
        before = ParityPrecision.set(DataType.BFLOAT16);
    }

    @AfterAll
    static void restore() {
        ParityPrecision.set(before);
    }

    @TestFactory
    Stream<DynamicTest> referenceCasesWithBfloat16Products() {
        ToleranceRule bf16 = (c, output, expected) -> {
            double r = RELATIVE.get(c.kind());
            double range = maxAbs(expected);
            return new ToleranceRule.Tolerance(Math.max(c.atol(output), r * range), Math.max(c.rtol(), r));
        };
        return ParitySuite.cases(Reference.load(), "@bf16", RELATIVE.keySet(), bf16);
    }

    private static double maxAbs(NDArray x) {
        try (NDArray f = x.toType(DataType.FLOAT64, false); NDArray a = f.abs(); NDArray m = a.max()) {
            return m.getDouble();
        }
    }
}
