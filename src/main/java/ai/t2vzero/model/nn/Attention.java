package ai.t2vzero.model.nn;

import ai.t2vzero.runtime.FlopCounter;
import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.t2vzero.weights.WeightScope;

import java.util.Optional;

/**
 * diffusers' {@code Attention} (to_q, to_k, to_v, to_out.0; to_out.1 is Dropout: no weights) with the math of
 * its {@code AttnProcessor}: {@code softmax(q k^T / sqrt(d)) v} per head. The 1 / sqrt(d) is folded into to_q's
 * weights at load time, so queries come out of {@link #toQ()} pre-scaled. The processor that decides which keys
 * and values are used is passed in per call.
 *
 * <p>Legend: B batch, N query tokens, M key tokens, C channels, H heads, d = C / H head dim. (Single-letter
 * dimension locals are a deliberate waiver of the naming rule, as in DJL's attention blocks.)
 *
 * <p>The product runs through libtorch's fused {@code scaled_dot_product_attention} where {@link AttentionKernel}
 * allows (flash kernels: the score matrix is never materialized); the fallback below is the sliced product.
 *
 * <p>The score matrix [B*H, N, M] is computed in slices of heads, or of one head's query rows, of at most
 * {@link #SCORE_SLICE_BYTES} (as diffusers' sliced attention): softmax is per query row, so the result is the same.
 *
 * <p>With {@code upcast} (diffusers' upcast_attention, SD 2.1) and a half-precision model, scores and softmax are
 * computed in float32 and the probabilities cast back, as diffusers does; in float32 it changes nothing.
 */
public final class Attention {

    /**
     * Largest slice of the score tensor materialized at once: slices of (batch x head) pairs, or of query rows of
     * one head, small enough to stay in cache, which makes the memory-bound softmax and score GEMMs about twice as
     * fast as one [B, H, N, M] tensor, and bounds peak memory for large images.
     */
    public static final long SCORE_SLICE_BYTES = 8L << 20;

    private final String name;
    private final int heads;
    private final long innerDim;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final boolean upcast;

    private Attention(String name, int heads, long innerDim, Linear toQ, Linear toK, Linear toV, Linear toOut,
                      boolean upcast) {
        this.name = name;
        this.heads = heads;
        this.innerDim = innerDim;
        this.upcast = upcast;
        this.toQ = toQ;
        this.toK = toK;
        this.toV = toV;
        this.toOut = toOut;
    }

    /**
     * @param queryDim   channels of the hidden states
     * @param contextDim channels of the context (= queryDim for self-attention)
     * @param heads      number of heads
     * @param headDim    channels per head (inner dim = heads * headDim)
     * @param qkvBias    whether to_q/to_k/to_v have biases (false in the UNet, true in the VAE)
     */
    public static Attention load(WeightScope w, long queryDim, long contextDim, int heads, long headDim, boolean qkvBias) {
        return load(w, queryDim, contextDim, heads, headDim, qkvBias, false);
    }

    /** As {@link #load(WeightScope, long, long, int, long, boolean)}, with diffusers' upcast_attention. */
    public static Attention load(WeightScope w, long queryDim, long contextDim, int heads, long headDim, boolean qkvBias,
                                 boolean upcast) {
        return load(w.path(), w.child("to_q"), w.child("to_k"), w.child("to_v"), w.child("to_out").child(0),
                queryDim, contextDim, heads, headDim, qkvBias, upcast);
    }

    /**
     * A layer whose projections the checkpoint names differently (the VAE's deprecated {@code query/key/value/
     * proj_attn}): {@code toQ .. toOut} are their scopes; the output projection always has a bias.
     */
    public static Attention load(String name, WeightScope toQ, WeightScope toK, WeightScope toV, WeightScope toOut,
                                 long queryDim, long contextDim, int heads, long headDim, boolean qkvBias,
                                 boolean upcast) {
        long inner = heads * headDim;
        // pre-scaled queries: to_q's weight and bias are multiplied by head_dim^-0.5 once, here (before any cast)
        float scale = (float) (1.0 / Math.sqrt(headDim));
        NDArray qWeight = toQ.get("weight", inner, queryDim).muli(scale);
        NDArray qBias = qkvBias ? toQ.get("bias", inner).muli(scale) : null;
        return new Attention(name, heads, inner,
                Linear.of(qWeight, qBias).withProducts(toQ.store().products()),
                Linear.load(toK, contextDim, inner, qkvBias),
                Linear.load(toV, contextDim, inner, qkvBias),
                Linear.load(toOut, inner, queryDim, true),
                upcast);
    }

    /** [B, N, C] (+ optional context [B, M, Cc]) -> [B, N, C] through the processor chosen for this layer. */
    public NDArray forward(NDArray hidden, NDArray context, AttnProcessors processors) {
        return processors.forLayer(name).apply(this, hidden, context);
    }

    /**
     * Multi-head scaled dot-product attention of already projected q [B,N,C], k [B,M,C], v [B,M,C] -> [B,N,C].
     * The query count N may differ from the key count M (a cross-frame processor passes all frames' queries of a
     * group against one frame's keys).
     */
    public NDArray attend(NDArray q, NDArray k, NDArray v) {
        // q k^T and p v: 2 x B x N x M x C multiply-adds
        FlopCounter.add(2 * q.getShape().get(0) * q.getShape().get(1) * k.getShape().get(1) * innerDim);
        long t = OpProfiler.start();
        NDArray out = attendWith(AttentionKernel.current(), q, k, v);
        OpProfiler.stop("attention", t);
        return out;
    }

    private NDArray attendWith(AttentionKernel kernel, NDArray q, NDArray k, NDArray v) {
        DataType dtype = q.getDataType();
        boolean upcastHalf = upcast && dtype != DataType.FLOAT32 && dtype != DataType.FLOAT64;
        if (kernel == AttentionKernel.SDPA || (kernel == AttentionKernel.AUTO && !upcastHalf)) {
            Optional<PtSymbolBlock> sdpa = ScaledDotProductAttention.module(q.getDevice());
            if (sdpa.isPresent()) {
                return ScaledDotProductAttention.apply(sdpa.get(), q, k, v, heads);  // [B, N, C]
            }
            if (kernel == AttentionKernel.SDPA) {
                throw new IllegalStateException("t2vzero.attention=sdpa but scaled_dot_product_attention could not be"
                        + " loaded on " + q.getDevice() + " (see the warning above)");
            }
        }
        return attend(q, k, v, SCORE_SLICE_BYTES);
    }

    /** {@link #attend(NDArray, NDArray, NDArray)} with a given score slice size (tests exercise the slicing). */
    NDArray attend(NDArray q, NDArray k, NDArray v, long sliceBytes) {
        long b = q.getShape().get(0);
        long n = q.getShape().get(1);
        long m = k.getShape().get(1);
        long d = innerDim / heads;
        long bh = b * heads;
        DataType dtype = q.getDataType();
        boolean up = upcast && dtype != DataType.FLOAT32 && dtype != DataType.FLOAT64;
        NDArray qh = headsFirst(q, b, n, d, up);                           // [B*H, N, d], pre-scaled by to_q
        NDArray kh = headsFirst(k, b, m, d, up);                           // [B*H, M, d]
        NDArray vh = headsFirst(v, b, m, d, false);                        // [B*H, M, d]
        long rowBytes = m * (up ? 4 : dtype.getNumOfBytes());             // one query row of the scores
        long rows = Math.max(1, Math.min(n, sliceBytes / rowBytes));      // query rows per slice
        long group = rows < n ? 1 : Math.max(1, Math.min(bh, sliceBytes / (rowBytes * n))); // heads per slice
        NDList parts = new NDList();
        for (long h0 = 0; h0 < bh; h0 += group) {
            String hs = h0 + ":" + Math.min(bh, h0 + group);
            NDArray qs = qh.get(hs);
            NDArray ks = kh.get(hs);
            NDArray kt = ks.transpose(0, 2, 1);                           // [g, d, M] (transposed view)
            NDArray vs = vh.get(hs);
            if (rows >= n) {
                parts.add(attendSlice(qs, kt, vs, up, dtype));            // [g, N, d]
            } else {
                NDList rowParts = new NDList();
                for (long r = 0; r < n; r += rows) {
                    NDArray qr = qs.get(":, " + r + ":" + Math.min(n, r + rows));
                    rowParts.add(attendSlice(qr, kt, vs, up, dtype));     // [1, rows, d]
                    qr.close();
                }
                parts.add(NDArrays.concat(rowParts, 1));                  // [1, N, d]
                rowParts.close();
            }
            qs.close();
            ks.close();
            kt.close();
            vs.close();
        }
        qh.close();
        kh.close();
        vh.close();
        NDArray ctx = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0); // [B*H, N, d]
        NDArray split = ctx.reshape(b, heads, n, d);                       // [B, H, N, d]
        NDArray tokens = split.transpose(0, 2, 1, 3);                      // [B, N, H, d]
        NDArray out = tokens.reshape(b, n, heads * d);                     // [B, N, C]
        tokens.close();
        split.close();
        ctx.close();
        parts.close();
        return out;
    }

    /** softmax(q k^T) v for one slice: q [g, r, d] (pre-scaled), kt [g, d, M], v [g, M, d] -> [g, r, d]. */
    private static NDArray attendSlice(NDArray q, NDArray kt, NDArray v, boolean upcast, DataType dtype) {
        NDArray scores = q.matMul(kt);                                     // [g, r, M]
        NDArray probs = scores.softmax(-1);
        scores.close();
        if (upcast) {
            NDArray p = probs.toType(dtype, false);
            probs.close();
            probs = p;
        }
        NDArray ctx = probs.matMul(v);                                     // [g, r, d]
        probs.close();
        return ctx;
    }

    /** [B, T, C] -> [B*H, T, d], contiguous (one copy), optionally cast to float32. */
    private NDArray headsFirst(NDArray x, long b, long t, long d, boolean toFloat32) {
        NDArray split = x.reshape(b, t, heads, d);                          // [B, T, H, d]
        NDArray perm = split.transpose(0, 2, 1, 3);                        // [B, H, T, d]
        NDArray out = perm.reshape(b * heads, t, d);                       // [B*H, T, d]: copies
        perm.close();
        split.close();
        if (toFloat32) {
            NDArray f = out.toType(DataType.FLOAT32, false);
            out.close();
            out = f;
        }
        return out;
    }

    public String name() {
        return name;
    }

    public int heads() {
        return heads;
    }

    /** Projects to queries already multiplied by head_dim^-0.5 (folded into the weights), as {@link #attend} expects. */
    public Linear toQ() {
        return toQ;
    }

    public Linear toK() {
        return toK;
    }

    public Linear toV() {
        return toV;
    }

    public Linear toOut() {
        return toOut;
    }
}
