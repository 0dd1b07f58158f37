package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.testing.Reference;
import ai.t2vzero.weights.ModelBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static ai.t2vzero.pipeline.ControlVideoPipelineTest.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token merging ({@code mergingRatio}, tomesd) in text-to-video on the reference's sd15-mini (64 x 64 frames: the
 * 8 x 8 latent's transformer blocks merge): off is today's video bit for bit, on is deterministic per seed and does
 * not depend on the chunk size (the dst tokens are keyed by step and block, not by chunk), and an odd batch draws no
 * random partition. The golden comparison with tomesd itself is TokenMergingParityTest.
 */
class TokenMergingPipelineTest {

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

    /** 8 DDIM steps, t0 = 2, t1 = 4; {@code guidance} 1 turns classifier-free guidance off (batch = frames). */
    private static TextToVideoParams params(int frames, int chunkSize, long seed, double guidance, double ratio) {
        return new TextToVideoParams("a horse galloping on a street", "", "sd15-mini", frames, 64, 64, 8, guidance, 12,
                12, 2, 4, 8, 0.0, chunkSize, seed, TextToVideoParams.SchedulerName.DDIM,
                ai.t2vzero.video.VideoFormat.MP4, 4).withMergingRatio(ratio);
    }

    /** The run's output, and every dst choice it drew (loop/step/block) into {@code draws} when not null. */
    private static float[] run(TextToVideoParams p, boolean latents, List<String> draws) {
        SeededVideoNoise seeded = new SeededVideoNoise(p.seed());
        VideoNoise noise = new VideoNoise() {
            @Override
            public NDArray initial(NDManager manager, int[] frames, Shape frame) {
                return seeded.initial(manager, frames, frame);
            }

            @Override
            public NDArray forward(NDManager manager, int[] frames, Shape frame) {
                return seeded.forward(manager, frames, frame);
            }

            @Override
            public NDArray step(NDManager manager, String loop, int step, int[] frames, Shape frame) {
                return seeded.step(manager, loop, step, frames, frame);
            }

            @Override
            public long[] tokenMergeDst(String loop, int step, String block, int cells, int cellSize) {
                if (draws != null) {
                    draws.add(loop + "/" + step + "/" + block + " " + cells + "x" + cellSize);
                }
                return seeded.tokenMergeDst(loop, step, block, cells, cellSize);
            }
        };
        try (NDManager out = NDManager.newBaseManager()) {
            return new TextToVideoZeroPipeline(sd).generate(p,
                    new GenerationRun(noise, new StageTimer(), PipelineTrace.NONE, null, latents), out).toFloatArray();
        }
    }

    @Test
    void ratioZeroIsTodaysVideoBitForBitAndDrawsNothing() {
        TextToVideoParams today = new TextToVideoParams("a horse galloping on a street", "", "sd15-mini", 3, 64, 64,
                8, 7.5, 12, 12, 2, 4, 8, 0.0, 3, 5, TextToVideoParams.SchedulerName.DDIM,
                ai.t2vzero.video.VideoFormat.MP4, 4);                          // no mergingRatio at all
        List<String> draws = new ArrayList<>();
        float[] off = run(params(3, 3, 5, 7.5, 0.0), false, draws);
        assertArrayEquals(run(today, false, null), off, "mergingRatio 0: the video without the field, bit for bit");
        assertEquals(List.of(), draws, "ratio 0 draws no partition (no token-merging operation runs)");
    }

    @Test
    void mergingIsDeterministicPerSeedAndChangesTheVideo() {
        List<String> draws = new ArrayList<>();
        float[] a = run(params(3, 3, 42, 7.5, 0.5), false, draws);
        assertEquals(3 * 64 * 64 * 3, a.length, "[F, H, W, 3] frames");
        for (float x : a) {
            assertTrue(x >= 0f && x <= 1f, "frames are in [0, 1]");
        }
        assertArrayEquals(a, run(params(3, 3, 42, 7.5, 0.5), false, null), "same seed: identical frames");
        assertTrue(maxDiff(a, run(params(3, 3, 42, 7.5, 0.0), false, null)) > 1e-3, "merging changes the video");
        assertTrue(maxDiff(a, run(params(3, 3, 43, 7.5, 0.5), false, null)) > 1e-3, "another seed, another video");
        // sd15-mini has 2 + 3 transformer blocks at the latent's 8 x 8 (16 cells of 2 x 2); 8 steps: loop 0 has 3,
        // loop 1 has 2, loop 2 has 5, one chunk
        assertEquals(5 * (3 + 2 + 5), draws.size(), draws.toString());
        assertTrue(draws.contains("loop2/0/down_blocks.0.attentions.0.transformer_blocks.0 16x4"), draws.toString());
        assertTrue(draws.contains("loop0/2/up_blocks.3.attentions.2.transformer_blocks.0 16x4"), draws.toString());
    }

    @Test
    void chunkSizeDoesNotChangeTheVideo() {
        List<String> whole = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        float[] a = run(params(5, 5, 7, 7.5, 0.5), true, whole);
        float[] b = run(params(5, 2, 7, 7.5, 0.5), true, pairs);
        float[] c = run(params(5, 3, 7, 7.5, 0.5), true, null);
        assertTrue(maxDiff(a, b) < 1e-4, "chunk 2 vs 5 differ by " + maxDiff(a, b));
        assertTrue(maxDiff(a, c) < 1e-4, "chunk 3 vs 5 differ by " + maxDiff(a, c));
        // every chunk at a step asks for the same (loop, step, block) partition: the set of keys is the same
        assertEquals(new java.util.TreeSet<>(whole), new java.util.TreeSet<>(pairs));
        assertEquals(4 * 5 * 5, Collections.frequency(pairs.stream().map(d -> d.startsWith("loop2")).toList(), true),
                "4 chunks x 5 loop-2 steps x 5 blocks");
    }

    @Test
    void anOddBatchDrawsNoRandomPartition() {
        // no guidance: the first frame's loops run a batch of 1, a chunk of 3 frames a batch of 3 (tomesd: no_rand)
        List<String> draws = new ArrayList<>();
        float[] merged = run(params(3, 3, 9, 1.0, 0.5), true, draws);
        assertEquals(List.of(), draws, "odd batches take the top-left token of every cell");
        assertTrue(maxDiff(merged, run(params(3, 3, 9, 1.0, 0.0), true, null)) > 1e-4, "and still merge");
        // a chunk of 2 frames is an even batch again
        List<String> even = new ArrayList<>();
        run(params(2, 2, 9, 1.0, 0.5), true, even);
        assertFalse(even.isEmpty());
        assertTrue(even.stream().allMatch(d -> d.startsWith("loop2/")), "only loop 2 (batch 2) draws: " + even);
    }

    @Test
    void seededDrawsAreKeyedByLoopStepAndBlock() {
        SeededVideoNoise n = new SeededVideoNoise(3);
        long[] a = n.tokenMergeDst("loop2", 4, "down_blocks.0.attentions.0.transformer_blocks.0", 256, 4);
        assertArrayEquals(a, new SeededVideoNoise(3).tokenMergeDst("loop2", 4,
                "down_blocks.0.attentions.0.transformer_blocks.0", 256, 4));
        assertTrue(java.util.Arrays.stream(a).allMatch(v -> v >= 0 && v < 4));
        assertTrue(java.util.Arrays.stream(a).distinct().count() == 4, "every token of a cell can be dst");
        assertFalse(java.util.Arrays.equals(a, n.tokenMergeDst("loop2", 5,
                "down_blocks.0.attentions.0.transformer_blocks.0", 256, 4)), "another step");
        assertFalse(java.util.Arrays.equals(a, n.tokenMergeDst("loop2", 4,
                "down_blocks.0.attentions.1.transformer_blocks.0", 256, 4)), "another block");
        assertFalse(java.util.Arrays.equals(a, n.tokenMergeDst("loop1", 4,
                "down_blocks.0.attentions.0.transformer_blocks.0", 256, 4)), "another loop");
        assertFalse(java.util.Arrays.equals(a, new SeededVideoNoise(4).tokenMergeDst("loop2", 4,
                "down_blocks.0.attentions.0.transformer_blocks.0", 256, 4)), "another seed");
    }
}
