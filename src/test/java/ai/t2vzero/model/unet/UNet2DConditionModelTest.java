package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.SafeTensorsFile;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightLoadException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Config paths the reference cases do not cover, checked against the sd15-mini UNet of the reference set: the SD 2.x
 * layout (Linear proj_in/proj_out, per-block attention_head_dim), timestep forms, refused options.
 */
class UNet2DConditionModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    private static Path sd15Unet() {
        return Reference.load().model("sd15").resolve("unet");
    }

    /** A copy of sd15-mini's UNet with its config edited and its tensors rewritten by {@code edit}. */
    private Path variant(Consumer<ObjectNode> config, Map<String, java.util.function.UnaryOperator<NDArray>> edit,
                         NDManager manager) throws IOException {
        Path out = Files.createTempDirectory(dir, "unet");
        ObjectNode c = (ObjectNode) JSON.readTree(sd15Unet().resolve("config.json").toFile());
        config.accept(c);
        JSON.writeValue(out.resolve("config.json").toFile(), c);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(sd15Unet().resolve("diffusion_pytorch_model.safetensors"))) {
            for (String key : f.tensors().keySet()) {
                NDArray t = f.load(key, manager);
                for (Map.Entry<String, java.util.function.UnaryOperator<NDArray>> e : edit.entrySet()) {
                    if (key.matches(e.getKey())) {
                        t = e.getValue().apply(t);
                    }
                }
                tensors.put(key, t);
            }
        }
        SafeTensorsWriter.write(out.resolve("diffusion_pytorch_model.safetensors"), tensors, Map.of());
        return out;
    }

    private static NDArray run(Path unetDir, NDManager m, NDArray timestep) {
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(unetDir), ".", m, DataType.FLOAT32);
        m.getEngine().setRandomSeed(3);
        UNet2DConditionConfig c = unet.config();
        NDArray sample = m.randomNormal(0, 1, new Shape(2, c.inChannels(), 8, 8), DataType.FLOAT32);
        NDArray text = m.randomNormal(0, 1, new Shape(2, 77, c.crossAttentionDim()), DataType.FLOAT32);
        return unet.forward(sample, timestep, text, AttnProcessors.DEFAULT, null);
    }

    /** SD 2.x: use_linear_projection with [C, C] weights computes exactly what the 1x1 convs compute. */
    @Test
    void linearProjectionEqualsConvProjection() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path linear = variant(c -> c.put("use_linear_projection", true),
                    Map.of(".*\\.proj_(in|out)\\.weight", t -> t.reshape(t.getShape().get(0), t.getShape().get(1))), m);
            NDArray t = m.create(400L);
            TensorAssert.assertClose("linear projection", run(linear, m, t), run(sd15Unet(), m, t), 1e-5, 1e-6);
        }
    }

    /** attention_head_dim as a per-block list (SD 2.x's [5, 10, 20, 20]) means the same as the scalar. */
    @Test
    void perBlockHeadListEqualsScalar() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            int heads = new ConfigJson(JSON.readTree(sd15Unet().resolve("config.json").toFile()), "sd15")
                    .getInt("attention_head_dim");
            Path list = variant(c -> c.putArray("attention_head_dim").add(heads).add(heads).add(heads).add(heads),
                    Map.of(), m);
            Path fewer = variant(c -> c.putArray("attention_head_dim").add(heads).add(heads / 2).add(heads).add(heads),
                    Map.of(), m);
            NDArray t = m.create(400L);
            NDArray base = run(sd15Unet(), m, t);
            TensorAssert.assertClose("head list", run(list, m, t), base, 0, 0);
            double diff = run(fewer, m, t).sub(base).abs().max().getFloat();
            assertTrue(diff > 1e-4, "other head counts must change the output (max diff " + diff + ")");
        }
    }

    /** Processors are chosen by checkpoint path: every attention layer asks under exactly its key prefix. */
    @Test
    void attentionLayersAreNamedByCheckpointPath() {
        java.util.Set<String> expected = new java.util.TreeSet<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(sd15Unet().resolve("diffusion_pytorch_model.safetensors"))) {
            for (String key : f.tensors().keySet()) {
                if (key.endsWith(".to_q.weight")) {
                    expected.add(key.substring(0, key.length() - ".to_q.weight".length()));
                }
            }
        }
        java.util.Set<String> asked = new java.util.TreeSet<>();
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(sd15Unet()), ".", m, DataType.FLOAT32);
            UNet2DConditionConfig c = unet.config();
            unet.forward(m.zeros(new Shape(1, c.inChannels(), 8, 8)), m.create(10L),
                    m.zeros(new Shape(1, 77, c.crossAttentionDim())), name -> {
                        asked.add(name);
                        return ai.t2vzero.model.nn.DefaultAttnProcessor.INSTANCE;
                    }, null);
        }
        assertTrue(expected.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn1"), expected.toString());
        assertEquals(expected, asked);
    }

    @Test
    void timestepFormsAgree() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scalar = run(sd15Unet(), m, m.create(321L));
            TensorAssert.assertClose("[B] int64", run(sd15Unet(), m, m.create(new long[] {321, 321})), scalar, 0, 0);
            TensorAssert.assertClose("0-d float", run(sd15Unet(), m, m.create(321f)), scalar, 0, 0);
            assertThrows(IllegalArgumentException.class, () -> run(sd15Unet(), m, m.create(new long[] {1, 2, 3})));
        }
    }

    @Test
    void refusesOptionsItDoesNotImplementNamingTheKey() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, Consumer<ObjectNode>> e : Map.<String, Consumer<ObjectNode>>of(
                    "class_embed_type", c -> c.put("class_embed_type", "timestep"),
                    "num_attention_heads", c -> c.put("num_attention_heads", 8),
                    "up_block_types", c -> c.putArray("up_block_types").add("UpBlock2D").add("AttnUpBlock2D")
                            .add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D"),
                    "act_fn", c -> c.put("act_fn", "gelu"),
                    "resnet_time_scale_shift", c -> c.put("resnet_time_scale_shift", "scale_shift"),
                    "addition_embed_type", c -> c.put("addition_embed_type", "text_time")).entrySet()) {
                Path variant = Files.createTempDirectory(dir, "cfg");
                ObjectNode c = (ObjectNode) JSON.readTree(sd15Unet().resolve("config.json").toFile());
                e.getValue().accept(c);
                JSON.writeValue(variant.resolve("config.json").toFile(), c);
                Files.copy(sd15Unet().resolve("diffusion_pytorch_model.safetensors"),
                        variant.resolve("diffusion_pytorch_model.safetensors"));
                WeightLoadException ex = assertThrows(WeightLoadException.class,
                        () -> UNet2DConditionModel.load(new ModelBundle(variant), ".", m, DataType.FLOAT32));
                assertTrue(ex.getMessage().contains(e.getKey()), e.getKey() + " not named in: " + ex.getMessage());
            }
        }
    }

    /** A checkpoint of another architecture fails with every mismatch listed, and leaves nothing attached. */
    @Test
    void strictLoadNamesMismatchesAndCleansUp() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path wrong = Files.createTempDirectory(dir, "wrong");
            Files.copy(sd15Unet().resolve("config.json"), wrong.resolve("config.json"));
            Files.copy(Reference.load().model("pix2pix_unet").resolve("diffusion_pytorch_model.safetensors"),
                    wrong.resolve("diffusion_pytorch_model.safetensors"));
            WeightLoadException ex = assertThrows(WeightLoadException.class,
                    () -> UNet2DConditionModel.load(new ModelBundle(wrong), ".", m, DataType.FLOAT32));
            assertTrue(ex.getMessage().contains("conv_in.weight"), ex.getMessage());
            assertTrue(ex.getMessage().contains("shape mismatches"), ex.getMessage());
            assertEquals(List.of(), m.getManagedArrays(), "arrays left after a failed load");
        }
    }
}
