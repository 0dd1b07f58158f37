package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of our pipeline beyond diffusers parity, on the reference's sd15-mini bundle: the video does not depend
 * on the chunk size (per-frame noise streams + frame 0 in every chunk), a seed gives the same video every time,
 * and native memory is owned (nothing is left on the bundle's manager after a run).
 */
class TextToVideoZeroPipelineTest {

    private static NDManager weights;
    private static StableDiffusionModels sd;

    @BeforeAll
    static void load() {
        weights = NDManager.newBaseManager();
        sd = StableDiffusionModels.load("sd15-mini", new ModelBundle(Reference.load().model("sd15")), DeviceSpec.cpu(),
                weights);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    private static TextToVideoParams params(int frames, int chunkSize, long seed, TextToVideoParams.SchedulerName s,
                                            double eta) {
        // 8 steps with t0=2, t1=4: loop0 = 3 steps, loop1 = 2, loop2 = 5 (PNDM: one more in loop0)
        return new TextToVideoParams("a horse galloping on a street", "", "sd15-mini", frames, 64, 64, 8, 7.5, 12, 12,
                2, 4, 8, eta, chunkSize, seed, s, ai.t2vzero.video.VideoFormat.MP4, 4);
    }

    private static float[] run(TextToVideoParams p, boolean latents) {
        try (NDManager out = NDManager.newBaseManager()) {
            NDArray v = new TextToVideoZeroPipeline(sd).generate(p,
                    new GenerationRun(new SeededVideoNoise(p.seed()), new StageTimer(), PipelineTrace.NONE, null, latents),
                    out);
            return v.toFloatArray();
        }
    }

    private static float maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void chunkedEqualsUnchunked() {
        for (TextToVideoParams.SchedulerName s : TextToVideoParams.SchedulerName.values()) {
            float[] whole = run(params(5, 5, 7, s, 0.0), true);
            float[] pairs = run(params(5, 2, 7, s, 0.0), true);
            float[] threes = run(params(5, 3, 7, s, 0.0), true);
            assertTrue(maxDiff(whole, pairs) < 1e-4, s + ": chunk 2 vs 5 differ by " + maxDiff(whole, pairs));
            assertTrue(maxDiff(whole, threes) < 1e-4, s + ": chunk 3 vs 5 differ by " + maxDiff(whole, threes));
        }
    }

    @Test
    void chunkedEqualsUnchunkedWithStochasticDdim() {
        float[] whole = run(params(4, 4, 11, TextToVideoParams.SchedulerName.DDIM, 0.7), true);
        float[] pairs = run(params(4, 2, 11, TextToVideoParams.SchedulerName.DDIM, 0.7), true);
        assertTrue(maxDiff(whole, pairs) < 1e-4, "eta 0.7: chunk 2 vs 4 differ by " + maxDiff(whole, pairs));
    }

    @Test
    void sameSeedSameVideoOtherSeedOtherVideo() {
        TextToVideoParams p = params(3, 8, 42, TextToVideoParams.SchedulerName.DDIM, 0.0);
        float[] a = run(p, false);
        float[] b = run(p, false);
        assertArrayEquals(a, b, "same seed, same device and dtype: identical frames");
        assertEquals(3 * 64 * 64 * 3, a.length, "[F, H, W, 3] frames");
        float[] c = run(params(3, 8, 43, TextToVideoParams.SchedulerName.DDIM, 0.0), false);
        assertTrue(maxDiff(a, c) > 1e-3, "another seed gives another video");
        for (float x : a) {
            assertTrue(x >= 0f && x <= 1f, "frames are in [0, 1]");
        }
    }

    @Test
    void runLeavesNothingOnTheBundleManager() {
        int before = weights.getManagedArrays().size();
        run(params(3, 2, 1, TextToVideoParams.SchedulerName.PNDM, 0.0), false);
        assertEquals(before, weights.getManagedArrays().size(), "arrays left attached to the bundle's manager");
    }

    @Test
    void chunkPlanAnchorsEveryChunkOnFrameZero() {
        List<int[]> plan = VideoChunker.chunks(8, 4);
        assertEquals(3, plan.size());
        assertArrayEquals(new int[]{0, 1, 2, 3}, plan.get(0));
        assertArrayEquals(new int[]{0, 4, 5, 6}, plan.get(1));
        assertArrayEquals(new int[]{0, 7}, plan.get(2));
        assertArrayEquals(new int[]{0}, VideoChunker.chunks(1, 4).get(0));
        assertThrows(IllegalArgumentException.class, () -> VideoChunker.chunks(4, 1));
    }

    @Test
    void chunkSizeIsCappedByTheMemoryBudget() {
        long perFrame = sd.unetActivationBytesPerFrame(64, 64);
        // 8x8 latents x 32 channels x 4 bytes x 2 halves x 48 maps
        assertEquals(8L * 8 * 32 * 4 * 2 * 48, perFrame);
        assertEquals(8, sd.chunkSizeWithin(8, Long.MAX_VALUE, 64, 64, 20), "large budget: the requested size");
        assertEquals(5, sd.chunkSizeWithin(8, 5 * perFrame, 64, 64, 20), "budget for 5 frames");
        assertEquals(2, sd.chunkSizeWithin(8, 1, 64, 64, 20), "never below frame 0 + one frame");
        assertEquals(3, sd.chunkSizeWithin(8, Long.MAX_VALUE, 64, 64, 3), "never above the video length");
    }

    @Test
    void scheduleTooShortForT1IsRefused() {
        TextToVideoParams p = new TextToVideoParams("x", "", "m", 2, 64, 64, 4, 7.5, 12, 12, 2, 4, 4, 0, 2, 1,
                TextToVideoParams.SchedulerName.DDIM, ai.t2vzero.video.VideoFormat.MP4, 4);
        assertThrows(IllegalArgumentException.class, () -> run(p, true));
    }
}
