package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static ai.t2vzero.pipeline.ControlVideoPipelineTest.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of {@link VideoPix2PixPipeline} beyond diffusers parity, on the reference's sd15-mini with the
 * pix2pix-mini UNet and Euler-Ancestral (a noise draw per step): the video does not depend on the chunk size, a seed
 * gives the same video, nothing is left on the bundle's manager, a 4-channel UNet is refused.
 */
class VideoPix2PixPipelineTest {

    private static NDManager weights;
    private static StableDiffusionModels sd;
    private static StableDiffusionModels pix2pix;

    @BeforeAll
    static void load() {
        weights = NDManager.newBaseManager();
        Reference ref = Reference.load();
        sd = StableDiffusionModels.load("sd15-mini", new ModelBundle(ref.model("sd15")), DeviceSpec.cpu(), weights);
        Path unetDir = ref.model("pix2pix_unet");
        UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelBundle(unetDir.getParent()),
                unetDir.getFileName().toString(), weights, DataType.FLOAT32);
        ConfigJson eulerA = ConfigJson.read(ref.model("schedulers").resolve("euler_ancestral/scheduler_config.json"));
        pix2pix = new StableDiffusionModels("pix2pix-mini", sd.tokenizer(), sd.textEncoder(), unet, sd.vae(), eulerA,
                sd.sampleSize(), sd.device(), weights);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    private static VideoPix2PixParams params(int chunkSize) {
        return new VideoPix2PixParams("make it snowy", "", 4, 7.5, 1.5, chunkSize, VideoPix2PixPipeline.DEFAULT_SCHEDULER);
    }

    /** A video [F, 3, 64, 64] in [0, 1]: a bright square moving right over a gradient. */
    static NDArray video(NDManager m, int frames) {
        float[] v = new float[frames * 3 * 64 * 64];
        for (int f = 0; f < frames; f++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 64; x++) {
                        boolean square = x >= 8 + 6 * f && x < 24 + 6 * f && y >= 20 && y < 36;
                        v[((f * 3 + c) * 64 + y) * 64 + x] = square ? 1f : (x + y) / 128f * (c + 1) / 3f;
                    }
                }
            }
        }
        return m.create(v, new Shape(frames, 3, 64, 64));
    }

    private static float[] run(VideoPix2PixParams p, int frames, long seed, boolean latents) {
        try (NDManager out = NDManager.newBaseManager()) {
            NDArray v = new VideoPix2PixPipeline(pix2pix).generate(p, video(out, frames),
                    new GenerationRun(new SeededVideoNoise(seed), new StageTimer(), PipelineTrace.NONE, null, latents), out);
            return v.toFloatArray();
        }
    }

    @Test
    void chunkedEqualsUnchunked() {
        float[] whole = run(params(5), 5, 7, true);
        float[] pairs = run(params(2), 5, 7, true);
        float[] threes = run(params(3), 5, 7, true);
        assertTrue(maxDiff(whole, pairs) < 1e-4, "chunk 2 vs 5 differ by " + maxDiff(whole, pairs));
        assertTrue(maxDiff(whole, threes) < 1e-4, "chunk 3 vs 5 differ by " + maxDiff(whole, threes));
    }

    @Test
    void sameSeedSameVideoOtherSeedOtherVideo() {
        float[] a = run(params(8), 2, 42, false);
        assertArrayEquals(a, run(params(8), 2, 42, false), "same seed, same device and dtype: identical frames");
        assertEquals(2 * 64 * 64 * 3, a.length, "[F, H, W, 3] frames");
        assertTrue(maxDiff(a, run(params(8), 2, 43, false)) > 1e-3, "another seed gives another video");
    }

    @Test
    void withoutGuidanceOneGroup() {
        VideoPix2PixParams p = new VideoPix2PixParams("make it snowy", "", 2, 1.0, 1.5, 8,
                VideoPix2PixPipeline.DEFAULT_SCHEDULER);
        assertEquals(3 * 4 * 8 * 8, run(p, 3, 1, true).length);
    }

    @Test
    void runLeavesNothingOnTheBundleManager() {
        int before = weights.getManagedArrays().size();
        run(params(2), 3, 1, false);
        assertEquals(before, weights.getManagedArrays().size(), "arrays left attached to the bundle's manager");
    }

    @Test
    void fourChannelUnetIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VideoPix2PixPipeline(sd));
        assertTrue(e.getMessage().contains("not an InstructPix2Pix bundle"), e.getMessage());
    }

    /**
     * Token merging with three guidance groups: a chunk of m frames is a batch of 3m, odd for odd m, where tomesd
     * takes the top-left token of every cell instead of a random one; chunks of even size keep the video the same.
     */
    @Test
    void tokenMergingRunsWithThreeGuidanceGroups() {
        float[] merged = run(params(4).withMergingRatio(0.5), 3, 5, true);
        assertArrayEquals(merged, run(params(4).withMergingRatio(0.5), 3, 5, true), "same seed, same latents");
        assertTrue(maxDiff(merged, run(params(4), 3, 5, true)) > 1e-3, "merging changes the video");
        float[] whole = run(params(4).withMergingRatio(0.5), 4, 5, true);    // one chunk of 4: batch 12
        float[] pairs = run(params(2).withMergingRatio(0.5), 4, 5, true);    // chunks of 2: batch 6
        assertTrue(maxDiff(whole, pairs) < 1e-4, "even chunks: chunk 2 vs 4 differ by " + maxDiff(whole, pairs));
    }
}
