package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.clip.ClipTextModel;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.model.vae.AutoencoderKL;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoints made by tools/reference/make_checkpoints.py (torch 1.13 + diffusers v0.27.2's conversion
 * script) from the reference's sd15-mini, and the comparisons the loader tests share: every tensor bit for bit,
 * and the models' outputs exactly.
 */
public final class CheckpointFixtures {

    private CheckpointFixtures() {
    }

    /** src/test/resources/checkpoints as copied to the test classpath. */
    public static Path dir() {
        try {
            return Path.of(CheckpointFixtures.class.getResource("/checkpoints/micro/model_index.json").toURI())
                    .getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The diffusers safetensors bundle every other checkpoint was made from. */
    public static Path microBundle() {
        return dir().resolve("micro");
    }

    /** Same shape, same dtype, same bytes. */
    public static void assertBitEqual(String label, NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), label + " shape");
        assertEquals(expected.getDataType(), actual.getDataType(), label + " dtype");
        assertArrayEquals(expected.toByteArray(), actual.toByteArray(), label + " differs");
    }

    /** Every tensor of {@code expected} is in {@code actual} with the same bytes, and nothing else is. */
    public static int assertSameTensors(String label, TensorSource expected, TensorSource actual, NDManager m) {
        assertEquals(new TreeSet<>(expected.keys()), new TreeSet<>(actual.keys()), label + " key sets");
        for (String k : expected.keys()) {
            assertArrayEquals(expected.shape(k), actual.shape(k), label + " " + k);
            try (NDManager t = m.newSubManager()) {
                assertBitEqual(label + " " + k, expected.load(k, t, null), actual.load(k, t, null));
            }
        }
        return expected.keys().size();
    }

    /**
     * Loads text encoder, UNet and VAE from both bundles (float32) and runs each on the same inputs: the outputs must
     * be equal to the bit (same weights, same code).
     */
    public static void assertSameOutputs(ModelBundle expected, ModelBundle actual, NDManager m) {
        NDArray[] a = outputs(expected, m);
        NDArray[] b = outputs(actual, m);
        String[] names = {"text_encoder last_hidden_state", "unet noise_pred", "vae decode", "vae encode mean"};
        for (int i = 0; i < a.length; i++) {
            assertBitEqual(names[i], a[i], b[i]);
            float[] v = a[i].toFloatArray();
            assertTrue(Arrays.stream(toDoubles(v)).anyMatch(x -> x != 0) && Arrays.stream(toDoubles(v)).allMatch(Double::isFinite),
                    names[i] + " is degenerate");
        }
    }

    private static NDArray[] outputs(ModelBundle bundle, NDManager m) {
        ClipTextModel te = ClipTextModel.load(bundle, "text_encoder", m, DataType.FLOAT32);
        UNet2DConditionModel unet = UNet2DConditionModel.load(bundle, "unet", m, DataType.FLOAT32);
        AutoencoderKL vae = AutoencoderKL.load(bundle, "vae", m, DataType.FLOAT32);
        long[] ids = new long[77];
        Arrays.fill(ids, 49407);
        long[] prompt = {49406, 320, 2012, 7451, 525, 320, 2445, 49407};     // <bos> a horse galloping on a street <eos>
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        NDArray text = te.forward(m.create(ids, new Shape(1, 77))).lastHiddenState();      // [1, 77, D]
        // deterministic inputs without a generator: smooth patterns in [-1, 1]
        NDArray sample = m.arange(0f, 256f).reshape(1, 4, 8, 8).mul(0.37f).sin();           // [1, 4, 8, 8]
        NDArray noise = unet.forward(sample, m.create(500L), text, AttnProcessors.DEFAULT, null);
        NDArray decoded = vae.decode(sample);                                                 // [1, 3, 64, 64]
        NDArray image = m.arange(0f, 3 * 64 * 64f).reshape(1, 3, 64, 64).mul(0.011f).cos();
        NDArray mean = vae.encode(image).mean();                                              // [1, 4, 8, 8]
        return new NDArray[] {text, noise, decoded, mean};
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
