package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.SafeTensorsFile;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightLoadException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading variants and resource behaviour of the VAE, on the reference set's tiny SD 1.5 VAE. */
class AutoencoderKLTest {

    private static Path sd15;

    @BeforeAll
    static void setUp() {
        TorchRuntime.engine();
        sd15 = Reference.load().model("sd15");
    }

    /** A copy of the reference VAE under {@code dir/vae} with every key renamed by {@code rename} (null drops it). */
    private static ModelBundle copyVae(Path dir, NDManager m, UnaryOperator<String> rename, Map<String, NDArray> extra)
            throws Exception {
        Path vae = Files.createDirectories(dir.resolve("vae"));
        Files.copy(sd15.resolve("vae/config.json"), vae.resolve("config.json"));
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(sd15.resolve("vae/diffusion_pytorch_model.safetensors"))) {
            for (String k : f.tensors().keySet()) {
                String name = rename.apply(k);
                if (name != null) {
                    tensors.put(name, f.load(k, m));
                }
            }
        }
        tensors.putAll(extra);
        SafeTensorsWriter.write(vae.resolve("diffusion_pytorch_model.safetensors"), tensors, Map.of());
        return new ModelBundle(dir);
    }

    @Test
    void deprecatedAttentionKeyNamesGiveTheSameModel(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelBundle old = copyVae(dir, m, k -> k
                    .replace("attentions.0.to_q.", "attentions.0.query.")
                    .replace("attentions.0.to_k.", "attentions.0.key.")
                    .replace("attentions.0.to_v.", "attentions.0.value.")
                    .replace("attentions.0.to_out.0.", "attentions.0.proj_attn."), Map.of());
            AutoencoderKL current = AutoencoderKL.load(new ModelBundle(sd15), "vae", m, DataType.FLOAT32);
            AutoencoderKL deprecated = AutoencoderKL.load(old, "vae", m, DataType.FLOAT32);
            m.getEngine().setRandomSeed(3);
            NDArray image = m.randomUniform(-1f, 1f, new Shape(1, 3, 32, 32));
            TensorAssert.assertClose("encode mean", deprecated.encode(image).mean(), current.encode(image).mean(), 0, 0);
            NDArray z = m.randomNormal(new Shape(1, 4, 4, 4));
            TensorAssert.assertClose("decode", deprecated.decode(z), current.decode(z), 0, 0);
        }
    }

    @Test
    void missingAndUnusedTensorsFailTheLoadByName(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelBundle broken = copyVae(dir, m, k -> k.startsWith("decoder.conv_out.bias") ? null : k,
                    Map.of("decoder.extra.weight", m.zeros(new Shape(2))));
            WeightLoadException e = assertThrows(WeightLoadException.class,
                    () -> AutoencoderKL.load(broken, "vae", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("decoder.conv_out.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("decoder.extra.weight"), e.getMessage());
        }
    }

    @Test
    void forceUpcastKeepsHalfPrecisionRequestsInFloat32() {
        try (NDManager m = NDManager.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(new ModelBundle(sd15), "vae", m, DataType.FLOAT16);
            assertEquals(vae.config().forceUpcast() ? DataType.FLOAT32 : DataType.FLOAT16, vae.dtype());
        }
    }

    @Test
    void decodeFramesIsIndependentOfChunkingAndLeavesNothingBehind() {
        try (NDManager model = NDManager.newBaseManager(); NDManager io = NDManager.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(new ModelBundle(sd15), "vae", model, DataType.FLOAT32);
            int f = 3;
            int scale = vae.config().vaeScaleFactor();
            io.getEngine().setRandomSeed(11);
            NDArray latents = io.randomNormal(new Shape(f, 4, 4, 4)).mul(vae.scalingFactor());
            NDArray all = vae.decodeFrames(latents, f);
            assertEquals(new Shape(f, 4 * scale, 4 * scale, vae.config().outChannels()), all.getShape());
            NDArray one = vae.decodeFrames(latents, 1);
            NDArray two = vae.decodeFrames(latents, 2);
            TensorAssert.assertClose("chunks of 1", one, all, 0, 1e-5);
            TensorAssert.assertClose("chunks of 2", two, all, 0, 1e-5);
            float[] v = all.toFloatArray();
            for (float x : v) {
                assertTrue(x >= 0f && x <= 1f, "frames are clamped to [0, 1]");
            }
            // repeated calls must not leave arrays in the model's or the caller's manager
            int modelArrays = model.getManagedArrays().size();
            int ioArrays = io.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                vae.decodeFrames(latents, 2).close();
                vae.encode(io.randomUniform(-1f, 1f, new Shape(1, 3, 16, 16))).close();
            }
            // 3 inputs to encode were created by the test itself
            assertEquals(modelArrays, model.getManagedArrays().size(), "arrays left in the model's manager");
            assertEquals(ioArrays + 3, io.getManagedArrays().size(), "arrays left in the caller's manager");
        }
    }
}
