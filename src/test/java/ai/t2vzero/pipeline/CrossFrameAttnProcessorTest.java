package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.Attention;
import ai.t2vzero.model.nn.DefaultAttnProcessor;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.model.nn.TestWeights;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Legend: G groups (batchSize), F frames per group, N tokens, C channels, L text tokens, D text width. */
class CrossFrameAttnProcessorTest {

    private static final long C = 16;
    private static final long D = 12;
    private static final int HEADS = 2;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    private Attention selfAttention(NDManager m) throws Exception {
        WeightStore store = new TestWeights()
                .add("attn1.to_q.weight", C, C).add("attn1.to_k.weight", C, C).add("attn1.to_v.weight", C, C)
                .add("attn1.to_out.0.weight", C, C).add("attn1.to_out.0.bias", C)
                .open(dir, m, 0.4f, 7);
        return Attention.load(store.root().child("attn1"), C, C, HEADS, C / HEADS, false);
    }

    /** diffusers' semantics literally: every frame's K/V computed from frame 0 of its group (frames repeated). */
    private static NDArray anchorsRepeated(NDArray hidden, int groups) {
        long b = hidden.getShape().get(0);
        long f = b / groups;
        NDList parts = new NDList();
        for (int g = 0; g < groups; g++) {
            NDArray anchor = hidden.get((g * f) + ":" + (g * f + 1));          // [1, N, C]
            parts.add(anchor.repeat(0, f));                                      // [F, N, C]
        }
        return NDArrays.concat(parts, 0);                                        // [B, N, C]
    }

    @Test
    void everyFrameAttendsToTheFirstFrameOfItsGroup() throws Exception {
        int groups = 2;
        long frames = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attn = selfAttention(m);
            NDArray hidden = m.randomNormal(0, 1, new Shape(groups * frames, 10, C), DataType.FLOAT32);
            NDArray actual = new CrossFrameAttnProcessor(groups).apply(attn, hidden, null);

            NDArray anchors = anchorsRepeated(hidden, groups);
            NDArray q = attn.toQ().forward(hidden);
            NDArray expected = attn.toOut().forward(attn.attend(q, attn.toK().forward(anchors),
                    attn.toV().forward(anchors)));
            TensorAssert.assertClose("cross-frame vs repeated anchors", actual, expected, 1e-5, 1e-6);

            // frame 0 of each group sees its own keys: plain attention
            NDArray plain = DefaultAttnProcessor.INSTANCE.apply(attn, hidden, null);
            for (int g = 0; g < groups; g++) {
                String first = (g * frames) + ":" + (g * frames + 1);
                TensorAssert.assertClose("group " + g + " frame 0", actual.get(first), plain.get(first), 1e-5, 1e-6);
                String second = (g * frames + 1) + ":" + (g * frames + 2);
                double diff = actual.get(second).sub(plain.get(second)).abs().max().getFloat();
                assertTrue(diff > 1e-3, "frame 1 must differ from plain self-attention (max diff " + diff + ")");
            }
        }
    }

    @Test
    void crossAttentionIsUnchanged() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightStore store = new TestWeights()
                    .add("attn2.to_q.weight", C, C).add("attn2.to_k.weight", C, D).add("attn2.to_v.weight", C, D)
                    .add("attn2.to_out.0.weight", C, C).add("attn2.to_out.0.bias", C)
                    .open(dir, m, 0.4f, 8);
            Attention attn = Attention.load(store.root().child("attn2"), C, D, HEADS, C / HEADS, false);
            NDArray hidden = m.randomNormal(0, 1, new Shape(4, 6, C), DataType.FLOAT32);
            NDArray text = m.randomNormal(0, 1, new Shape(4, 5, D), DataType.FLOAT32);
            TensorAssert.assertClose("cross-attention",
                    new CrossFrameAttnProcessor(2).apply(attn, hidden, text),
                    DefaultAttnProcessor.INSTANCE.apply(attn, hidden, text), 0, 0);
        }
    }

    @Test
    void oneFramePerGroupIsPlainAttention() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attn = selfAttention(m);
            NDArray hidden = m.randomNormal(0, 1, new Shape(3, 9, C), DataType.FLOAT32);
            TensorAssert.assertClose("F = 1", new CrossFrameAttnProcessor(3).apply(attn, hidden, null),
                    DefaultAttnProcessor.INSTANCE.apply(attn, hidden, null), 1e-5, 1e-6);
        }
    }

    @Test
    void batchMustSplitIntoGroups() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attn = selfAttention(m);
            NDArray hidden = m.randomNormal(0, 1, new Shape(5, 4, C), DataType.FLOAT32);
            assertThrows(IllegalArgumentException.class, () -> new CrossFrameAttnProcessor(2).apply(attn, hidden, null));
            assertThrows(IllegalArgumentException.class, () -> new CrossFrameAttnProcessor(0));
        }
    }
}
