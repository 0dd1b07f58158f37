package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of {@link ControlVideoPipeline} beyond diffusers parity, on the reference's sd15-mini + controlnet-mini:
 * the video does not depend on the chunk size (frame 0 in every chunk, per-frame noise), every frame starts from the
 * same x_T, a seed gives the same video, nothing is left on the bundle's manager, misfits are refused.
 */
class ControlVideoPipelineTest {

    private static NDManager weights;
    private static StableDiffusionModels sd;
    private static ControlNetModel controlnet;

    @BeforeAll
    static void load() {
        weights = NDManager.newBaseManager();
        Reference ref = Reference.load();
        sd = StableDiffusionModels.load("sd15-mini", new ModelBundle(ref.model("sd15")), DeviceSpec.cpu(), weights);
        controlnet = ControlNetModel.load(new ModelBundle(ref.model("controlnet")), ".", weights, DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    private static ControlVideoParams params(int chunkSize, double eta) {
        return new ControlVideoParams("a dancing robot", "", 4, 9.0, 1.0, eta, chunkSize,
                ControlVideoPipeline.DEFAULT_SCHEDULER);
    }

    /** {@code frames} control images [F, 3, 64, 64] in [0, 1], the same for every call. */
    private static NDArray control(NDManager m, int frames) {
        float[] v = new float[frames * 3 * 64 * 64];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() < 0.1 ? 1f : 0f;   // sparse "edges"
        }
        return m.create(v, new Shape(frames, 3, 64, 64));
    }

    private static float[] run(ControlVideoParams p, int frames, long seed, boolean latents) {
        try (NDManager out = NDManager.newBaseManager()) {
            NDArray v = new ControlVideoPipeline(sd, controlnet).generate(p, control(out, frames),
                    new GenerationRun(new SeededVideoNoise(seed), new StageTimer(), PipelineTrace.NONE, null, latents), out);
            return v.toFloatArray();
        }
    }

    static float maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void chunkedEqualsUnchunked() {
        float[] whole = run(params(5, 0.0), 5, 7, true);
        float[] pairs = run(params(2, 0.0), 5, 7, true);
        float[] threes = run(params(3, 0.0), 5, 7, true);
        assertTrue(maxDiff(whole, pairs) < 1e-4, "chunk 2 vs 5 differ by " + maxDiff(whole, pairs));
        assertTrue(maxDiff(whole, threes) < 1e-4, "chunk 3 vs 5 differ by " + maxDiff(whole, threes));
    }

    @Test
    void chunkedEqualsUnchunkedWithStochasticDdim() {
        float[] whole = run(params(4, 0.6), 4, 11, true);
        float[] pairs = run(params(2, 0.6), 4, 11, true);
        assertTrue(maxDiff(whole, pairs) < 1e-4, "eta 0.6: chunk 2 vs 4 differ by " + maxDiff(whole, pairs));
    }

    @Test
    void everyFrameStartsFromTheSameLatent() {
        java.util.List<NDArray> initial = new java.util.ArrayList<>();
        try (NDManager out = NDManager.newBaseManager()) {
            PipelineTrace trace = (name, value) -> {
                if (name.equals("initial_latents")) {
                    NDArray copy = out.create(value.toFloatArray(), value.getShape());
                    ai.djl.ndarray.NDScope.unregister(copy);
                    initial.add(copy);
                }
            };
            new ControlVideoPipeline(sd, controlnet).generate(params(3, 0.0), control(out, 3),
                    new GenerationRun(new SeededVideoNoise(3), new StageTimer(), trace, null, true), out);
            assertEquals(1, initial.size());
            NDArray x = initial.get(0);                                  // [3, 4, 8, 8]
            assertEquals(new Shape(3, 4, 8, 8), x.getShape());
            assertArrayEquals(x.get("0").toFloatArray(), x.get("2").toFloatArray());
        }
    }

    @Test
    void sameSeedSameVideoOtherSeedOtherVideo() {
        float[] a = run(params(8, 0.0), 2, 42, false);
        float[] b = run(params(8, 0.0), 2, 42, false);
        assertArrayEquals(a, b, "same seed, same device and dtype: identical frames");
        assertEquals(2 * 64 * 64 * 3, a.length, "[F, H, W, 3] frames");
        assertTrue(maxDiff(a, run(params(8, 0.0), 2, 43, false)) > 1e-3, "another seed gives another video");
        for (float x : a) {
            assertTrue(x >= 0f && x <= 1f, "frames are in [0, 1]");
        }
    }

    @Test
    void runLeavesNothingOnTheBundleManager() {
        int before = weights.getManagedArrays().size();
        run(params(2, 0.0), 3, 1, false);
        assertEquals(before, weights.getManagedArrays().size(), "arrays left attached to the bundle's manager");
    }

    @Test
    void misfitsAreRefused() {
        Path pix2pix = Reference.load().model("pix2pix_unet");
        try (NDManager m = NDManager.newBaseManager()) {
            UNet2DConditionModel unet8 = UNet2DConditionModel.load(new ModelBundle(pix2pix.getParent()),
                    pix2pix.getFileName().toString(), m, DataType.FLOAT32);
            StableDiffusionModels other = new StableDiffusionModels("pix2pix", sd.tokenizer(), sd.textEncoder(), unet8,
                    sd.vae(), sd.schedulerConfig(), sd.sampleSize(), sd.device(), m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ControlVideoPipeline(other, controlnet));
            assertTrue(e.getMessage().contains("does not fit model 'pix2pix'"), e.getMessage());
            NDArray wrongSize = m.zeros(new Shape(2, 3, 60, 64));
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new ControlVideoPipeline(
                    sd, controlnet).generate(params(2, 0), wrongSize, GenerationRun.of(new SeededVideoNoise(1),
                    new StageTimer()), m));
            assertTrue(size.getMessage().contains("multiples of 8"), size.getMessage());
        }
    }

    @Test
    void crossFrameAttentionOffRunsPlainSelfAttention() {
        ControlVideoParams on = params(3, 0.0);
        ControlVideoParams off = new ControlVideoParams(on.prompt(), on.negativePrompt(), on.numInferenceSteps(),
                on.guidanceScale(), on.controlnetConditioningScale(), on.eta(), on.chunkSize(), on.scheduler(), false);
        float[] a = run(off, 3, 7, true);
        assertArrayEquals(a, run(off, 3, 7, true), "same seed, same latents");
        assertTrue(maxDiff(a, run(on, 3, 7, true)) > 1e-3, "cross-frame attention off changes the video");
    }

    /** Token merging in the UNet only (a ControlNet handed merging would refuse: it never learns the latent size). */
    @Test
    void tokenMergingRunsInTheUnetAndKeepsTheVideoChunkIndependent() {
        float[] whole = run(params(4, 0.0).withMergingRatio(0.5), 4, 7, true);
        assertArrayEquals(whole, run(params(4, 0.0).withMergingRatio(0.5), 4, 7, true), "same seed, same latents");
        assertTrue(maxDiff(whole, run(params(4, 0.0), 4, 7, true)) > 1e-3, "merging changes the video");
        float[] pairs = run(params(2, 0.0).withMergingRatio(0.5), 4, 7, true);
        assertTrue(maxDiff(whole, pairs) < 1e-4, "merging: chunk 2 vs 4 differ by " + maxDiff(whole, pairs));
    }
}
