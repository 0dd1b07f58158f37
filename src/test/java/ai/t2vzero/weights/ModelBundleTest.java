package ai.t2vzero.weights;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which files of a diffusers folder are read, as real Hugging Face repos name them. */
class ModelBundleTest {

    @TempDir
    Path root;

    private void tensorFile(Path f) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            SafeTensorsWriter.write(f, Map.of("w", m.ones(new Shape(1))), null);
        }
    }

    @Test
    void prefersVariantFileWhenAsked() throws IOException {
        Path unet = Files.createDirectories(root.resolve("unet"));
        tensorFile(unet.resolve("diffusion_pytorch_model.safetensors"));
        tensorFile(unet.resolve("diffusion_pytorch_model.fp16.safetensors"));
        assertEquals(List.of(unet.resolve("diffusion_pytorch_model.fp16.safetensors")),
                new ModelBundle(root, "fp16").weightFiles("unet"));
        assertEquals(List.of(unet.resolve("diffusion_pytorch_model.safetensors")),
                new ModelBundle(root).weightFiles("unet"));
    }

    @Test
    void readsTransformersStyleNameAndSingleComponentFolders() throws IOException {
        Path te = Files.createDirectories(root.resolve("text_encoder"));
        tensorFile(te.resolve("model.safetensors"));
        assertEquals(List.of(te.resolve("model.safetensors")), new ModelBundle(root).weightFiles("text_encoder"));
        tensorFile(root.resolve("diffusion_pytorch_model.safetensors"));     // a ControlNet repo: one component
        assertEquals(List.of(root.resolve("diffusion_pytorch_model.safetensors")), new ModelBundle(root).weightFiles("."));
    }

    @Test
    void readsShardedIndex() throws IOException {
        Path unet = Files.createDirectories(root.resolve("unet"));
        tensorFile(unet.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"));
        tensorFile(unet.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"));
        Files.writeString(unet.resolve("diffusion_pytorch_model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"a\":\"diffusion_pytorch_model-00001-of-00002.safetensors\","
                        + "\"b\":\"diffusion_pytorch_model-00002-of-00002.safetensors\"}}");
        assertEquals(2, new ModelBundle(root).weightFiles("unet").size());
    }

    @Test
    void readsPickleOnlyComponentsThroughTheSafeReader() throws IOException {
        Path vae = Files.createDirectories(root.resolve("vae"));
        Files.writeString(vae.resolve("diffusion_pytorch_model.bin"), "pickle");
        assertEquals(List.of(vae.resolve("diffusion_pytorch_model.bin")), new ModelBundle(root).weightFiles("vae"));
        // not a torch.save zip: refused when opened, naming the file
        WeightLoadException e = assertThrows(WeightLoadException.class,
                () -> TensorSource.open(vae.resolve("diffusion_pytorch_model.bin")));
        assertTrue(e.getMessage().contains("diffusion_pytorch_model.bin"), e.getMessage());
    }

    @Test
    void safetensorsArePreferredOverBin() throws IOException {
        Path te = Files.createDirectories(root.resolve("text_encoder"));
        Files.writeString(te.resolve("pytorch_model.bin"), "pickle");
        tensorFile(te.resolve("model.safetensors"));
        assertEquals(List.of(te.resolve("model.safetensors")), new ModelBundle(root).weightFiles("text_encoder"));
    }

    @Test
    void missingFoldersAreNamed() {
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> new ModelBundle(root).weightFiles("unet"));
        assertTrue(e.getMessage().contains("no 'unet' folder"), e.getMessage());
        assertThrows(WeightLoadException.class, () -> new ModelBundle(root.resolve("absent")));
    }

    @Test
    void shardOutsideFolderIsRefused() throws IOException {
        Path unet = Files.createDirectories(root.resolve("unet"));
        Files.writeString(unet.resolve("diffusion_pytorch_model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
        assertThrows(WeightLoadException.class, () -> new ModelBundle(root).weightFiles("unet"));
    }
}
