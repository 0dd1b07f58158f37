package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.Reference;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading rules and structural properties of {@link ClipTextModel} on the reference's tiny text encoder
 * (numerical parity itself is the {@code text_encoder} reference case).
 */
class ClipTextModelTest {

    static Path textEncoder;

    @BeforeAll
    static void locate() {
        TorchRuntime.engine();
        textEncoder = Reference.load().model("sd15").resolve("text_encoder");
    }

    /** A copy of the reference text encoder with the config and tensors edited. */
    static ModelBundle bundle(Path tmp, String configEdit, Map<String, NDArray> extra, NDManager manager) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("text_encoder"));
        String config = Files.readString(textEncoder.resolve("config.json"));
        if (configEdit != null) {
            String[] kv = configEdit.split("=", 2);
            config = config.replaceFirst("\"" + kv[0] + "\": [^,\\n]+", "\"" + kv[0] + "\": " + kv[1]);
        }
        Files.writeString(dir.resolve("config.json"), config);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(textEncoder.resolve("model.safetensors"))) {
            for (String k : f.tensors().keySet()) {
                tensors.put(k, f.load(k, manager));
            }
        }
        tensors.putAll(extra);
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        return new ModelBundle(tmp);
    }

    static NDArray ids(NDManager manager, long[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return manager.create(flat, new Shape(rows.length, rows[0].length));
    }

    @Test
    void positionIdsBufferIsAcceptedAndLegacyPoolingAgrees(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipTextModel plain = ClipTextModel.load(new ModelBundle(textEncoder.getParent()), "text_encoder", manager,
                    DataType.FLOAT32);
            // checkpoints saved by older transformers carry position_ids = arange(77) as [1, 77] int64, and
            // openai/clip-vit-large-patch14's config says eos_token_id 2 (pool at the argmax id)
            NDArray positionIds = manager.arange(0, 77, 1, DataType.INT64).reshape(1, 77);
            ClipTextModel legacy = ClipTextModel.load(bundle(tmp, "eos_token_id=2",
                    Map.of("text_model.embeddings.position_ids", positionIds), manager), "text_encoder", manager,
                    DataType.FLOAT32);
            assertTrue(legacy.config().legacyPooling());
            // bos, "a photo of a cat", eos, 70 pads (eos) : ids from the tokenizer reference case
            long[] row = new long[77];
            java.util.Arrays.fill(row, 49407);
            System.arraycopy(new long[] {49406, 320, 1125, 539, 320, 2368}, 0, row, 0, 6);
            NDArray input = ids(manager, new long[][] {row});
            ClipTextOutput a = plain.forward(input);
            ClipTextOutput b = legacy.forward(input);
            assertArrayEquals(a.lastHiddenState().toFloatArray(), b.lastHiddenState().toFloatArray());
            assertArrayEquals(a.poolerOutput().toFloatArray(), b.poolerOutput().toFloatArray());
            // the pooled vector is the hidden state at the first eos (position 6)
            assertArrayEquals(a.lastHiddenState().get("0, 6").toFloatArray(), a.poolerOutput().get(0).toFloatArray());
            assertArrayEquals(new long[] {1, 77, 32}, a.lastHiddenState().getShape().getShape());
            assertArrayEquals(new long[] {1, 32}, a.poolerOutput().getShape().getShape());
        }
    }

    @Test
    void attentionIsCausal() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipTextModel model = ClipTextModel.load(new ModelBundle(textEncoder.getParent()), "text_encoder", manager,
                    DataType.FLOAT32);
            long[] first = {49406, 320, 1125, 539, 320, 2368, 49407, 49407};
            long[] second = {49406, 320, 1125, 539, 1929, 1929, 1929, 49407}; // differs from position 4 on
            NDArray h = model.forward(ids(manager, new long[][] {first, second})).lastHiddenState(); // [2, 8, 32]
            float[] prefixA = h.get("0, 0:4").toFloatArray();
            float[] prefixB = h.get("1, 0:4").toFloatArray();
            assertArrayEquals(prefixA, prefixB, 1e-6f, "positions before the first difference must not see it");
            float[] tailA = h.get("0, 4").toFloatArray();
            float[] tailB = h.get("1, 4").toFloatArray();
            assertTrue(!java.util.Arrays.equals(tailA, tailB), "position 4 sees its own (different) token");
        }
    }

    @Test
    void forwardFreesItsIntermediates() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipTextModel model = ClipTextModel.load(new ModelBundle(textEncoder.getParent()), "text_encoder", manager,
                    DataType.FLOAT32);
            try (NDManager call = manager.newSubManager()) {
                NDArray input = ids(call, new long[][] {{49406, 320, 2368, 49407}});
                int before = call.getManagedArrays().size();
                ClipTextOutput out = model.forward(input);
                // only the two outputs are left in the caller's manager
                assertEquals(before + 2, call.getManagedArrays().size());
                assertTrue(call.getManagedArrays().contains(out.lastHiddenState()));
            }
        }
    }

    @Test
    void unsupportedOptionsAndStrayTensorsAreRefused(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelBundle gelu = bundle(tmp.resolve("act"), "hidden_act=\"gelu_new\"", Map.of(), manager);
            WeightLoadException act = assertThrows(WeightLoadException.class,
                    () -> ClipTextModel.load(gelu, "text_encoder", manager, DataType.FLOAT32));
            assertTrue(act.getMessage().contains("gelu_new"), act.getMessage());
            ModelBundle stray = bundle(tmp.resolve("stray"), null,
                    Map.of("text_projection.weight", manager.zeros(new Shape(32, 32))), manager);
            WeightLoadException unused = assertThrows(WeightLoadException.class,
                    () -> ClipTextModel.load(stray, "text_encoder", manager, DataType.FLOAT32));
            assertTrue(unused.getMessage().contains("text_projection.weight"), unused.getMessage());
        }
    }
}
