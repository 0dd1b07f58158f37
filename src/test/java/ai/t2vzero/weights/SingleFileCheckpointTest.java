package ai.t2vzero.weights;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static ai.t2vzero.weights.CheckpointFixtures.assertBitEqual;
import static ai.t2vzero.weights.CheckpointFixtures.assertSameOutputs;
import static ai.t2vzero.weights.CheckpointFixtures.assertSameTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single-file SD 1.x checkpoints in the original layout, written by diffusers v0.27.2's
 * convert_diffusers_to_original_stable_diffusion.py (torch.save zip and safetensors) from the micro bundle: mapped
 * back, every tensor equals the bundle's bit for bit and the models give the bundle's outputs exactly.
 */
class SingleFileCheckpointTest {

    static final Path DIR = CheckpointFixtures.dir();
    static final Map<String, String> BUNDLE_FILES = Map.of("unet", "unet/diffusion_pytorch_model.safetensors",
            "vae", "vae/diffusion_pytorch_model.safetensors", "text_encoder", "text_encoder/model.safetensors");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"micro.ckpt", "micro.safetensors", "micro-ema.ckpt"})
    void everyTensorIsBitIdenticalToTheBundle(String file) {
        try (NDManager m = NDManager.newBaseManager(); SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(DIR.resolve(file))) {
            int n = 0;
            for (String c : SingleFileCheckpoint.COMPONENTS) {
                try (SafeTensorsFile bundle = SafeTensorsFile.open(CheckpointFixtures.microBundle().resolve(BUNDLE_FILES.get(c)))) {
                    n += assertSameTensors(file + " " + c, bundle, withoutPositionIds(ckpt.component(c)), m);
                }
            }
            assertEquals(684 + 180 + 36, n);   // the sd15-mini key counts: UNet, VAE, text encoder
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"micro.ckpt", "micro.safetensors", "micro-ema.ckpt"})
    void modelsGiveTheBundlesOutputsExactly(String file) {
        try (NDManager m = NDManager.newBaseManager(); SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(DIR.resolve(file))) {
            assertSameOutputs(new ModelBundle(CheckpointFixtures.microBundle()), ckpt.bundle(), m);
        }
    }

    @Test
    void emaWeightsAreIgnoredAsDiffusersFromSingleFileDoes() {
        // micro-ema.ckpt carries model_ema.* = -weights: the non-EMA weights are read (bit-identical test above) and the
        // EMA copy, LDM's schedule buffers and the Lightning entries are skipped on purpose
        try (NDManager m = NDManager.newBaseManager();
             SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(DIR.resolve("micro-ema.ckpt"));
             TorchZipCheckpoint raw = TorchZipCheckpoint.open(DIR.resolve("micro-ema.ckpt"))) {
            assertTrue(ckpt.ignoredKeys().contains("model_ema.decay"), "" + ckpt.ignoredKeys().size());
            assertTrue(ckpt.ignoredKeys().contains("betas"));
            assertEquals(684 + 2 + 2, ckpt.ignoredKeys().size());   // EMA copy, its decay and count, 2 buffers
            String ema = "model_ema.diffusion_modelinput_blocks00weight";              // LitEma's flat name of conv_in
            assertBitEqual("EMA conv_in is the negated weight", raw.load("model.diffusion_model.input_blocks.0.0.weight",
                    m, null).neg(), raw.load(ema, m, null));
        }
    }

    @Test
    void vaeAttentionConvWeightsBecomeLinear() {
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(DIR.resolve("micro.ckpt"));
             TorchZipCheckpoint raw = TorchZipCheckpoint.open(DIR.resolve("micro.ckpt"))) {
            assertEquals(4, raw.shape("first_stage_model.decoder.mid.attn_1.q.weight").length);       // [C, C, 1, 1]
            assertEquals(2, ckpt.component("vae").shape("decoder.mid_block.attentions.0.to_q.weight").length);
            assertTrue(ckpt.component("vae").keys().contains("encoder.mid_block.attentions.0.group_norm.weight"));
        }
    }

    @Test
    void withoutAConfigBesideItTheSd15ArchitectureIsAssumed() throws IOException {
        // the micro file alone (no micro.config/) is read as SD 1.5: runwayml/stable-diffusion-v1-5's configs
        Path alone = Files.copy(DIR.resolve("micro.safetensors"), tmp.resolve("micro.safetensors"));
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(alone)) {
            assertTrue(ckpt.config("unet").source().contains("Stable Diffusion 1.5 default"), ckpt.config("unet").source());
            assertEquals(java.util.List.of(320, 640, 1280, 1280), ckpt.config("unet").getIntList("block_out_channels"));
            assertEquals(768, ckpt.config("text_encoder").getInt("hidden_size"));
            assertEquals(0.18215, ckpt.config("vae").getDouble("scaling_factor"));
        }
        // with micro.config/<component>/config.json beside it, those configs are used and the file loads strictly
        copyTree(DIR.resolve("micro.config"), tmp.resolve("micro.config"));
        try (NDManager m = NDManager.newBaseManager(); SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(alone)) {
            assertEquals(java.util.List.of(4, 8, 8, 8), ckpt.config("unet").getIntList("block_out_channels"));
            UNet2DConditionModel.load(ckpt.bundle(), "unet", m, DataType.FLOAT32);
        }
    }

    @Test
    void keysOutsideTheSd1LayoutAreRefusedByName() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, ai.djl.ndarray.NDArray> t = new LinkedHashMap<>();
            t.put("model.diffusion_model.input_blocks.1.0.in_layers.0.weight", m.ones(new Shape(2)));
            t.put("conditioner.embedders.1.model.ln_final.weight", m.ones(new Shape(2)));
            SafeTensorsWriter.write(tmp.resolve("xl.safetensors"), t, null);
            WeightLoadException e = assertThrows(WeightLoadException.class,
                    () -> SingleFileCheckpoint.open(tmp.resolve("xl.safetensors")));
            assertTrue(e.getMessage().contains("SDXL") && e.getMessage().contains("conditioner.embedders.1"), e.getMessage());

            t.remove("conditioner.embedders.1.model.ln_final.weight");
            t.put("model.diffusion_model.input_blocks.1.0.mystery.weight", m.ones(new Shape(2)));
            SafeTensorsWriter.write(tmp.resolve("odd.safetensors"), t, null);
            e = assertThrows(WeightLoadException.class, () -> SingleFileCheckpoint.open(tmp.resolve("odd.safetensors")));
            assertTrue(e.getMessage().contains("input_blocks.1.0.mystery.weight"), e.getMessage());
        }
    }

    @Test
    void keyMappingFollowsDiffusers() {
        assertEquals("down_blocks.1.resnets.0.time_emb_proj.weight", LdmKeyMapping.unet("input_blocks.4.0.emb_layers.1.weight", 2));
        assertEquals("down_blocks.0.downsamplers.0.conv.bias", LdmKeyMapping.unet("input_blocks.3.0.op.bias", 2));
        assertEquals("up_blocks.1.upsamplers.0.conv.weight", LdmKeyMapping.unet("output_blocks.5.2.conv.weight", 2));
        assertEquals("up_blocks.0.upsamplers.0.conv.weight", LdmKeyMapping.unet("output_blocks.2.1.conv.weight", 2));
        assertEquals("up_blocks.3.attentions.2.proj_out.weight", LdmKeyMapping.unet("output_blocks.11.1.proj_out.weight", 2));
        assertEquals("mid_block.resnets.1.conv_shortcut.weight", LdmKeyMapping.unet("middle_block.2.skip_connection.weight", 2));
        assertEquals("decoder.up_blocks.3.resnets.2.conv_shortcut.bias", LdmKeyMapping.vae("decoder.up.0.block.2.nin_shortcut.bias", 4));
        assertEquals("encoder.mid_block.attentions.0.to_out.0.weight", LdmKeyMapping.vae("encoder.mid.attn_1.proj_out.weight", 4));
        assertEquals("decoder.conv_norm_out.weight", LdmKeyMapping.vae("decoder.norm_out.weight", 4));
    }

    /** CLIP's position_ids buffer (older transformers checkpoints carry it) is in the EMA fixture only. */
    private static TensorSource withoutPositionIds(TensorSource s) {
        return new TensorSource() {
            @Override
            public String describe() {
                return s.describe();
            }

            @Override
            public java.util.Set<String> keys() {
                java.util.Set<String> k = new java.util.LinkedHashSet<>(s.keys());
                k.remove("text_model.embeddings.position_ids");
                return k;
            }

            @Override
            public long[] shape(String key) {
                return s.shape(key);
            }

            @Override
            public ai.djl.ndarray.NDArray load(String key, NDManager manager, DataType dtype) {
                return s.load(key, manager, dtype);
            }

            @Override
            public void close() {
            }
        };
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
