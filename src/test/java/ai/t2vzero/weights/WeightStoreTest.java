package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict loader: one error that names every missing, mismatched and unused key and the file. */
class WeightStoreTest {

    @TempDir
    Path dir;

    private Path checkpoint(NDManager m) throws IOException {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("conv_in.weight", m.ones(new Shape(4, 3, 3, 3)));
        t.put("conv_in.bias", m.zeros(new Shape(4)));
        t.put("norm.weight", m.ones(new Shape(8)));
        t.put("extra.weight", m.ones(new Shape(2)));
        Path f = dir.resolve("diffusion_pytorch_model.safetensors");
        SafeTensorsWriter.write(f, t, null);
        return f;
    }

    @Test
    void completeLoadPasses() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = checkpoint(m);
            try (WeightStore s = new WeightStore("unet", List.of(f), m, DataType.FLOAT32)) {
                WeightScope w = s.root();
                NDArray k = w.child("conv_in").get("weight", 4, 3, 3, 3);
                assertArrayEquals(new long[]{4, 3, 3, 3}, k.getShape().getShape());
                w.child("conv_in").get("bias", 4);
                w.child("norm").get("weight", 8);
                w.ignore("extra.weight");
                assertDoesNotThrow(s::verifyComplete);
            }
        }
    }

    @Test
    void missingMismatchedAndUnusedKeysAreAllNamed() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = checkpoint(m);
            try (WeightStore s = new WeightStore("unet", List.of(f), m, DataType.FLOAT32)) {
                WeightScope w = s.root();
                w.child("conv_in").get("weight", 4, 3, 3, 3);
                w.child("conv_in").get("bias", 4);
                w.child("norm").get("weight", 16);                       // shape mismatch
                w.child("down_blocks").child(0).get("missing", 3);       // missing
                WeightLoadException e = assertThrows(WeightLoadException.class, s::verifyComplete);
                String msg = e.getMessage();
                assertTrue(msg.contains("cannot load unet from"), msg);
                assertTrue(msg.contains(f.toString()), msg);
                assertTrue(msg.contains("1 missing tensors") && msg.contains("down_blocks.0.missing [3]"), msg);
                assertTrue(msg.contains("1 shape mismatches") && msg.contains("norm.weight: checkpoint has [8], model expects [16]"), msg);
                assertTrue(msg.contains("unused tensors") && msg.contains("extra.weight"), msg);
            }
        }
    }

    /**
     * The expected shapes come from the bundle's config.json: a checkpoint that does not fit it must not make the
     * loader allocate the model's size in zero placeholders (here 2^62 floats) before it fails.
     */
    @Test
    void placeholdersForMissingTensorsAreBounded() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = checkpoint(m);
            try (WeightStore s = new WeightStore("unet", List.of(f), m, DataType.FLOAT32)) {
                WeightScope w = s.root();
                w.child("norm").get("weight", 16);                              // small mismatch: a placeholder
                WeightLoadException e = assertThrows(WeightLoadException.class,
                        () -> w.child("mid_block").get("huge", 1L << 31, 1L << 31));
                String msg = e.getMessage();
                assertTrue(msg.contains("mid_block.huge [2147483648, 2147483648]"), msg);
                assertTrue(msg.contains("norm.weight: checkpoint has [8], model expects [16]"), msg);
                assertTrue(msg.contains("stopped early"), msg);
                // 64 MiB in many tensors of 1 MiB: the budget counts them together
                try (WeightStore t = new WeightStore("vae", List.of(f), m, DataType.FLOAT32)) {
                    WeightScope v = t.root();
                    for (int i = 0; i < 64; i++) {
                        v.child("block").child(i).get("weight", 256, 1024);
                    }
                    assertThrows(WeightLoadException.class, () -> v.child("block").child(64).get("weight", 256, 1024));
                }
            }
        }
    }

    @Test
    void keyInTwoShardsIsRefused() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path a = dir.resolve("a.safetensors");
            Path b = dir.resolve("b.safetensors");
            SafeTensorsWriter.write(a, Map.of("w", m.ones(new Shape(1))), null);
            SafeTensorsWriter.write(b, Map.of("w", m.ones(new Shape(1))), null);
            WeightLoadException e = assertThrows(WeightLoadException.class,
                    () -> new WeightStore("vae", List.of(a, b), m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("'w' appears in both"), e.getMessage());
        }
    }
}
