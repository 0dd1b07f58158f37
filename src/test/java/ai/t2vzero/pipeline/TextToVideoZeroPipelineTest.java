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
        // t1 = 4 indexes past DDIM's 4-entry schedule: the caller's error, a 400 naming t1, not a 500
        ai.t2vzero.errors.InvalidFieldException e =
                assertThrows(ai.t2vzero.errors.InvalidFieldException.class, () -> run(p, true));
        assertEquals("t1", e.field());
        assertEquals(400, e.status());
    }

    /** {@code p} with the original app's switches set. */
    private static TextToVideoParams switches(TextToVideoParams p, boolean motionField, boolean crossFrameAttention) {
        return new TextToVideoParams(p.prompt(), p.negativePrompt(), p.model(), p.videoLength(), p.height(), p.width(),
                p.numInferenceSteps(), p.guidanceScale(), p.motionFieldStrengthX(), p.motionFieldStrengthY(), p.t0(),
                p.t1(), p.t0t1Steps(), p.eta(), p.chunkSize(), p.seed(), p.scheduler(), p.format(), p.fps(),
                motionField, crossFrameAttention);
    }

    /** Names and copies (as [F, C, h, w] float arrays) of what a run traces. */
    private static java.util.Map<String, float[]> traced(TextToVideoParams p) {
        java.util.Map<String, float[]> seen = new java.util.LinkedHashMap<>();
        try (NDManager out = NDManager.newBaseManager()) {
            PipelineTrace trace = (name, value) -> seen.putIfAbsent(name, value.toType(
                    ai.djl.ndarray.types.DataType.FLOAT32, true).toFloatArray());
            new TextToVideoZeroPipeline(sd).generate(p,
                    new GenerationRun(new SeededVideoNoise(p.seed()), new StageTimer(), trace, null, true), out);
        }
        return seen;
    }

    @Test
    void motionFieldOffStartsEveryFrameFromItsOwnNoiseWithoutWarp() {
        TextToVideoParams on = params(3, 3, 5, TextToVideoParams.SchedulerName.DDIM, 0.0);
        TextToVideoParams off = switches(on, false, true);
        java.util.Map<String, float[]> t = traced(off);
        // the original app's use_motion_field=False: no first-frame loops, no warp, no t0/t1 jump
        assertTrue(!t.containsKey("x_1_t1") && !t.containsKey("warped_latents") && !t.containsKey("x_2k_t1"),
                "no Algorithm 1 stage is traced: " + t.keySet());
        float[] x = t.get("initial_latents");                       // [3, 4, 8, 8]: every frame's own x_T
        int per = x.length / 3;
        assertEquals(3 * 4 * 8 * 8, x.length);
        float[] frame0 = java.util.Arrays.copyOfRange(x, 0, per);
        assertArrayEquals(traced(on).get("initial_latents"), frame0, "frame 0 starts where it does with the warp");
        assertTrue(maxDiff(frame0, java.util.Arrays.copyOfRange(x, per, 2 * per)) > 0.1, "frame 1 has its own noise");

        float[] a = run(off, true);
        assertArrayEquals(a, run(off, true), "motion field off: same seed, same latents");
        assertTrue(maxDiff(a, run(on, true)) > 1e-3, "switching the motion field off changes the video");
        // chunking changes only float rounding: every frame runs all 8 steps from pure noise here (not 5 steps of
        // loop 2), so batch-size-dependent GEMM rounding grows to ~4e-4; the same size as with cross-frame attention
        // off, where frames cannot interact at all
        float[] chunked = run(switches(params(3, 2, 5, TextToVideoParams.SchedulerName.DDIM, 0.0), false, true), true);
        assertTrue(maxDiff(a, chunked) < 2e-3, "motion field off: chunk 2 vs 3 differ by " + maxDiff(a, chunked));
        float[] plain3 = run(switches(on, false, false), true);
        float[] plain2 = run(switches(params(3, 2, 5, TextToVideoParams.SchedulerName.DDIM, 0.0), false, false), true);
        assertTrue(maxDiff(a, chunked) < 4 * maxDiff(plain3, plain2) + 1e-5,
                "chunking moves the video no more than float rounding does for independent frames");
    }

    @Test
    void crossFrameAttentionOffRunsPlainSelfAttention() {
        TextToVideoParams on = params(3, 3, 9, TextToVideoParams.SchedulerName.DDIM, 0.0);
        float[] a = run(switches(on, true, false), true);
        assertArrayEquals(a, run(switches(on, true, false), true), "same seed, same latents");
        assertTrue(maxDiff(a, run(on, true)) > 1e-3, "cross-frame attention off changes the video");
        assertArrayEquals(run(on, true), run(switches(on, true, true), true), "both switches on: today's video");
    }
}
