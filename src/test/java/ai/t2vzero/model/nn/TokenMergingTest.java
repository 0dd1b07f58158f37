package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token merging's rules beyond the golden cases against tomesd (TokenMergingParityTest): which blocks merge, how many
 * tokens, when the dst tokens are random, the shapes, and that "off" is no operation at all.
 */
class TokenMergingTest {

    private static final TokenMerging.DstChoice NEVER = (block, cells, size) -> {
        throw new AssertionError("no dst choice may be drawn here (" + block + ")");
    };

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    private static NDArray tokens(NDManager m, long b, long n, long c, long seed) {
        m.getEngine().setRandomSeed((int) seed);
        return m.randomNormal(0, 1, new Shape(b, n, c), DataType.FLOAT32);
    }

    @Test
    void offIsNoOperation() {
        assertSame(TokenMerging.OFF, AttnProcessors.DEFAULT.tokenMerging());
        assertTrue(AttnProcessors.DEFAULT.withTokenMerging(TokenMerging.OFF).tokenMerging().isOff());
        assertSame(TokenMerging.OFF, TokenMerging.OFF.forLatent(8, 8));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = tokens(m, 2, 64, 8, 1);
            int before = m.getManagedArrays().size();
            assertTrue(TokenMerging.OFF.compute("block", x).isEmpty());
            assertEquals(before, m.getManagedArrays().size(), "off creates no array");
        }
        assertThrows(IllegalArgumentException.class, () -> TokenMerging.tomesd(0, NEVER));
        assertThrows(IllegalArgumentException.class, () -> TokenMerging.tomesd(1, NEVER));
    }

    @Test
    void mergeRemovesRTokensAndUnmergePutsThemBack() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray metric = tokens(m, 2, 64, 8, 2);                       // an 8 x 8 grid
            BipartiteSoftMatching bsm = BipartiteSoftMatching.random2d(metric, 8, 8, 2, 2, 32, null).orElseThrow();
            NDArray x = tokens(m, 2, 64, 24, 3);
            NDArray merged = bsm.merge(x);
            assertEquals(new Shape(2, 32, 24), merged.getShape(), "64 - r tokens");
            NDArray back = bsm.unmerge(merged);
            assertEquals(new Shape(2, 64, 24), back.getShape());
            // a merged token is the mean of equal tokens: constant tokens come back unchanged
            NDArray ones = m.ones(new Shape(2, 64, 24));
            assertEquals(0f, bsm.unmerge(bsm.merge(ones)).sub(ones).abs().max().getFloat(), 1e-7f);
            // the tokens left unmerged (48 src - 32 merged, per sample) come back bit for bit
            long unchanged = back.sub(x).abs().max(new int[]{2}).eq(0f).toType(DataType.INT64, false).sum().getLong();
            assertTrue(unchanged >= 2 * (48 - 32), "unmerged src tokens keep their values: " + unchanged);
        }
    }

    @Test
    void atMostTheSrcTokensMerge() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray metric = tokens(m, 2, 120, 8, 4);                      // 12 x 10: 30 cells, 90 src tokens
            BipartiteSoftMatching bsm = BipartiteSoftMatching.random2d(metric, 10, 12, 2, 2, (long) (120 * 0.9), null)
                    .orElseThrow();
            assertEquals(90, bsm.removed(), "r = int(120 * 0.9) = 108 is clamped to the 90 src tokens");
            assertEquals(new Shape(2, 30, 8), bsm.merge(metric).getShape(), "one token per 2 x 2 cell is left");
            // no whole cell (a 1-token-high grid), no src token (1 x 1 cells), r = 0: nothing to merge
            assertTrue(BipartiteSoftMatching.random2d(tokens(m, 2, 7, 4, 5), 7, 1, 2, 2, 3, null).isEmpty());
            assertTrue(BipartiteSoftMatching.random2d(metric, 10, 12, 1, 1, 30, null).isEmpty());
            assertTrue(BipartiteSoftMatching.random2d(metric, 10, 12, 2, 2, 0, null).isEmpty());
        }
    }

    @Test
    void onlyBlocksAtTheLatentResolutionMerge() {
        List<String> drawn = new ArrayList<>();
        TokenMerging merging = TokenMerging.tomesd(0.5, (block, cells, size) -> {
            drawn.add(block + ":" + cells + ":" + size);
            return new long[cells];
        }).forLatent(8, 12);
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(merging.compute("level0", tokens(m, 2, 96, 4, 6)).isPresent(), "8 x 12 tokens: merged");
            assertTrue(merging.compute("level1", tokens(m, 2, 24, 4, 7)).isEmpty(), "4 x 6: downsample 2 > 1");
            assertEquals(List.of("level0:24:4"), drawn, "one draw for the merged block: (8/2) x (12/2) cells of 4");
            TokenMerging deeper = TokenMerging.of(0.5, 2, 2, 2, true, (b, cells, size) -> new long[cells])
                    .forLatent(8, 12);
            assertTrue(deeper.compute("level1", tokens(m, 2, 24, 4, 7)).isPresent(), "max_downsample 2: merged");
            assertTrue(TokenMerging.tomesd(0.01, NEVER).forLatent(8, 12).compute("b", tokens(m, 2, 96, 4, 8))
                    .isEmpty(), "int(96 * 0.01) = 0 tokens: nothing merged, nothing drawn");
            assertThrows(IllegalStateException.class, () -> TokenMerging.tomesd(0.5, NEVER).compute("b",
                    tokens(m, 2, 96, 4, 9)), "without the latent size (a ControlNet call) it refuses to guess");
        }
    }

    @Test
    void anOddBatchTakesTheTopLeftTokenOfEveryCell() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray odd = tokens(m, 3, 64, 8, 10);
            NDArray viaMerging = TokenMerging.tomesd(0.5, NEVER).forLatent(8, 8).compute("b", odd).orElseThrow()
                    .merge(odd);
            NDArray fixed = BipartiteSoftMatching.random2d(odd, 8, 8, 2, 2, 32, null).orElseThrow().merge(odd);
            assertArrayEquals(fixed.toFloatArray(), viaMerging.toFloatArray(), "no_rand partition, nothing drawn");

            // an even batch draws, and another draw is another partition
            NDArray even = tokens(m, 2, 64, 8, 11);
            long[] second = new long[16];
            java.util.Arrays.fill(second, 3);                              // the bottom-right token of every cell
            NDArray topLeft = TokenMerging.tomesd(0.5, (b, cells, size) -> new long[cells]).forLatent(8, 8)
                    .compute("b", even).orElseThrow().merge(even);
            NDArray bottomRight = TokenMerging.tomesd(0.5, (b, cells, size) -> second).forLatent(8, 8)
                    .compute("b", even).orElseThrow().merge(even);
            assertArrayEquals(BipartiteSoftMatching.random2d(even, 8, 8, 2, 2, 32, null).orElseThrow().merge(even)
                    .toFloatArray(), topLeft.toFloatArray(), "all-zero draws are the no_rand partition");
            assertFalse(java.util.Arrays.equals(topLeft.toFloatArray(), bottomRight.toFloatArray()));
        }
    }

    /** libtorch's scatter_reduce(mean, include_self) through the shipped module, by hand. */
    @Test
    void scatterReduceMeanIncludesTheDestination() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray dst = m.create(new float[]{1, 2, 3}, new Shape(1, 3, 1));
            NDArray index = m.create(new long[]{0, 0, 2}, new Shape(1, 3, 1));
            NDArray src = m.create(new float[]{3, 5, 7}, new Shape(1, 3, 1));
            assertArrayEquals(new float[]{(1 + 3 + 5) / 3f, 2, (3 + 7) / 2f},
                    BipartiteSoftMatching.scatterReduceMean(dst, index, src).toFloatArray());
        }
    }
}
