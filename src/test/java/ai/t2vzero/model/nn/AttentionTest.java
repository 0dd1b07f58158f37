package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    private static Attention attention(WeightStore store, long c, int heads) {
        return Attention.load(store.root().child("attn"), c, c, heads, c / heads, true);
    }

    private static TestWeights weights(long c) {
        return new TestWeights()
                .add("attn.to_q.weight", c, c).add("attn.to_q.bias", c)
                .add("attn.to_k.weight", c, c).add("attn.to_k.bias", c)
                .add("attn.to_v.weight", c, c).add("attn.to_v.bias", c)
                .add("attn.to_out.0.weight", c, c).add("attn.to_out.0.bias", c);
    }

    /** softmax(q k^T / sqrt(d)) v per head, written out with plain ops from the unscaled weights. */
    @Test
    void matchesTextbookMultiHeadAttention() throws Exception {
        long c = 16;
        int heads = 2;
        long d = c / heads;
        try (NDManager m = NDManager.newBaseManager()) {
            WeightStore store = weights(c).open(dir, m, 0.3f, 1);
            Attention attn = attention(store, c, heads);
            NDArray x = m.randomNormal(0, 1, new Shape(3, 5, c), DataType.FLOAT32);
            NDArray actual = DefaultAttnProcessor.INSTANCE.apply(attn, x, null);

            NDArray wq = store.root().child("attn").child("to_q").get("weight", c, c);
            NDArray bq = store.root().child("attn").child("to_q").get("bias", c);
            NDArray q = x.matMul(wq.transpose()).add(bq);                       // unscaled
            NDArray k = attn.toK().forward(x);
            NDArray v = attn.toV().forward(x);
            NDArray qh = q.reshape(3, 5, heads, d).transpose(0, 2, 1, 3);      // [B, H, N, d]
            NDArray kh = k.reshape(3, 5, heads, d).transpose(0, 2, 1, 3);
            NDArray vh = v.reshape(3, 5, heads, d).transpose(0, 2, 1, 3);
            NDArray probs = qh.matMul(kh.transpose(0, 1, 3, 2)).div(Math.sqrt(d)).softmax(-1);
            NDArray ctx = probs.matMul(vh).transpose(0, 2, 1, 3).reshape(3, 5, c);
            NDArray expected = attn.toOut().forward(ctx);
            TensorAssert.assertClose("attention", actual, expected, 1e-5, 1e-5);
        }
    }

    @Test
    void slicedAttentionEqualsUnsliced() throws Exception {
        long c = 8;
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attn = attention(weights(c).open(dir, m, 0.3f, 2), c, 2);
            NDArray q = m.randomNormal(0, 1, new Shape(3, 7, c), DataType.FLOAT32);
            NDArray k = m.randomNormal(0, 1, new Shape(3, 5, c), DataType.FLOAT32);
            NDArray v = m.randomNormal(0, 1, new Shape(3, 5, c), DataType.FLOAT32);
            NDArray whole = attn.attend(q, k, v);
            long row = 5 * 4;                                                    // one query row of one head, bytes
            NDArray byHeads = attn.attend(q, k, v, row * 7 * 4);                 // 4 of the 6 (batch, head) pairs
            NDArray byQueries = attn.attend(q, k, v, row * 3);                   // 3 query rows of one head
            assertEquals(whole.getShape(), byQueries.getShape());
            TensorAssert.assertClose("sliced by heads", byHeads, whole, 1e-6, 1e-6);
            TensorAssert.assertClose("sliced by queries", byQueries, whole, 1e-6, 1e-6);
        }
    }

    /** libtorch's fused scaled_dot_product_attention (the TorchScript resource) equals the sliced product. */
    @Test
    void fusedKernelEqualsSliced() throws Exception {
        long c = 24;
        try (NDManager m = NDManager.newBaseManager()) {
            Attention attn = attention(weights(c).open(dir, m, 0.3f, 3), c, 3);
            assertTrue(ScaledDotProductAttention.module(m.getDevice()).isPresent(), "SDPA module loads on CPU");
            NDArray q = m.randomNormal(0, 1, new Shape(2, 9, c), DataType.FLOAT32);
            NDArray k = m.randomNormal(0, 1, new Shape(2, 4, c), DataType.FLOAT32);   // M != N, as cross-attention
            NDArray v = m.randomNormal(0, 1, new Shape(2, 4, c), DataType.FLOAT32);
            AttentionKernel previous = AttentionKernel.set(AttentionKernel.SDPA);
            try {
                NDArray fused = attn.attend(q, k, v);
                NDArray sliced = attn.attend(q, k, v, Attention.SCORE_SLICE_BYTES);
                assertEquals(new Shape(2, 9, c), fused.getShape());
                TensorAssert.assertClose("sdpa vs sliced", fused, sliced, 1e-5, 1e-6);
            } finally {
                AttentionKernel.set(previous);
            }
        }
    }
}
