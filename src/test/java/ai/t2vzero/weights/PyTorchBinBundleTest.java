package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.unet.ControlNetOutput;
import ai.t2vzero.model.nn.AttnProcessors;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static ai.t2vzero.weights.CheckpointFixtures.assertSameOutputs;
import static ai.t2vzero.weights.CheckpointFixtures.assertSameTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A diffusers bundle with torch.save'd {@code .bin} weights (micro-bin: a sharded UNet with
 * diffusion_pytorch_model.bin.index.json, a VAE with both formats, a transformers pytorch_model.bin) loads like the
 * safetensors bundle it was made from.
 */
class PyTorchBinBundleTest {

    static final Path BIN = CheckpointFixtures.dir().resolve("micro-bin");

    @Test
    void picksShardsBinAndPrefersSafetensors() {
        ModelBundle b = new ModelBundle(BIN);
        assertEquals(List.of(BIN.resolve("unet/diffusion_pytorch_model-00001-of-00002.bin"),
                BIN.resolve("unet/diffusion_pytorch_model-00002-of-00002.bin")), b.weightFiles("unet"));
        assertEquals(List.of(BIN.resolve("text_encoder/pytorch_model.bin")), b.weightFiles("text_encoder"));
        // vae/ has both; its .bin holds negated weights, so reading it would also fail the comparisons below
        assertEquals(List.of(BIN.resolve("vae/diffusion_pytorch_model.safetensors")), b.weightFiles("vae"));
    }

    @Test
    void everyTensorIsBitIdenticalToTheSafetensorsBundle() {
        ModelBundle bin = new ModelBundle(BIN);
        ModelBundle st = new ModelBundle(CheckpointFixtures.microBundle());
        try (NDManager m = NDManager.newBaseManager()) {
            for (String c : List.of("unet", "text_encoder")) {
                try (WeightStoreSources a = new WeightStoreSources(st.weightFiles(c));
                     WeightStoreSources b = new WeightStoreSources(bin.weightFiles(c))) {
                    assertSameTensors(c, a.merged(), b.merged(), m);
                }
            }
        }
    }

    @Test
    void modelsGiveTheSafetensorsBundlesOutputsExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertSameOutputs(new ModelBundle(CheckpointFixtures.microBundle()), new ModelBundle(BIN), m);
        }
    }

    @Test
    void controlNetRepoWithBinWeightsLoadsLikeItsSafetensorsTwin() {
        Path st = CheckpointFixtures.dir().resolve("micro-controlnet");
        Path bin = CheckpointFixtures.dir().resolve("micro-controlnet-bin");
        try (NDManager m = NDManager.newBaseManager();
             TensorSource a = TensorSource.open(st.resolve("diffusion_pytorch_model.safetensors"));
             TensorSource b = TensorSource.open(bin.resolve("diffusion_pytorch_model.bin"))) {
            assertSameTensors("controlnet", a, b, m);
            ControlNetModel x = ControlNetModel.load(new ModelBundle(st), ".", m, DataType.FLOAT32);
            ControlNetModel y = ControlNetModel.load(new ModelBundle(bin), ".", m, DataType.FLOAT32);
            NDArray sample = m.arange(0f, 256f).reshape(1, 4, 8, 8).mul(0.37f).sin();           // [1, 4, 8, 8]
            NDArray text = m.arange(0f, 77 * 4f).reshape(1, 77, 4).mul(0.05f).cos();             // [1, 77, 4]
            NDArray image = m.arange(0f, 3 * 64 * 64f).reshape(1, 3, 64, 64).mul(0.013f).sin().abs();
            ControlNetOutput ox = x.forward(sample, m.create(500L), text, image, 1f, AttnProcessors.DEFAULT);
            ControlNetOutput oy = y.forward(sample, m.create(500L), text, image, 1f, AttnProcessors.DEFAULT);
            CheckpointFixtures.assertBitEqual("mid residual", ox.midBlockResSample(), oy.midBlockResSample());
            for (int i = 0; i < ox.downBlockResSamples().size(); i++) {
                CheckpointFixtures.assertBitEqual("down residual " + i, ox.downBlockResSamples().get(i),
                        oy.downBlockResSamples().get(i));
            }
        }
    }

    /** The shards of a component seen as one source (keys must not repeat). */
    private static final class WeightStoreSources implements AutoCloseable {
        private final List<TensorSource> sources;

        WeightStoreSources(List<Path> files) {
            sources = files.stream().map(TensorSource::open).toList();
        }

        TensorSource merged() {
            java.util.Map<String, TensorSource> byKey = new java.util.LinkedHashMap<>();
            for (TensorSource s : sources) {
                s.keys().forEach(k -> assertEquals(null, byKey.put(k, s), "key in two shards: " + k));
            }
            return new TensorSource() {
                @Override
                public String describe() {
                    return sources.toString();
                }

                @Override
                public java.util.Set<String> keys() {
                    return byKey.keySet();
                }

                @Override
                public long[] shape(String key) {
                    return byKey.get(key).shape(key);
                }

                @Override
                public ai.djl.ndarray.NDArray load(String key, NDManager manager, ai.djl.ndarray.types.DataType dtype) {
                    return byKey.get(key).load(key, manager, dtype);
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
            sources.forEach(TensorSource::close);
        }
    }
}
