package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightScope;

/**
 * diffusers' {@code Attention} (to_q, to_k, to_v, to_out.0; to_out.1 is Dropout: no weights) with the math of
 * its {@code AttnProcessor}: {@code softmax(q k^T / sqrt(d)) v} per head. The 1 / sqrt(d) is folded into to_q's
 * weights at load time, so queries come out of {@link #toQ()} pre-scaled. The processor that decides which keys
 * and values are used is passed in per call.
 *
 * <p>Legend: B batch, N query tokens, M key tokens, C channels, H heads, d = C / H head dim. (Single-letter
 * dimension locals are a deliberate waiver of the naming rule, as in DJL's attention blocks.)
 *
 * <p>The score matrix is [B, H, N, M]; for large images it is computed in slices of the batch, and when one
 * sample alone is too large in slices of its queries, so that it never exceeds {@link #SCORE_BUDGET_BYTES}
 * (diffusers' sliced attention): this bounds peak memory without changing the result, since softmax is per query.
 *
 * <p>With {@code upcast} (diffusers' upcast_attention, SD 2.1) and a half-precision model, scores and softmax are
 * computed in float32 and the probabilities cast back, as diffusers does; in float32 it changes nothing.
 */
public final class Attention {

    /** Largest score tensor materialized at once. */
    public static final long SCORE_BUDGET_BYTES = 512L << 20;

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
        long inner = heads * headDim;
        // pre-scaled queries: to_q's weight and bias are multiplied by head_dim^-0.5 once, here
        float scale = (float) (1.0 / Math.sqrt(headDim));
        WeightScope q = w.child("to_q");
        NDArray qWeight = q.get("weight", inner, queryDim).muli(scale);
        NDArray qBias = qkvBias ? q.get("bias", inner).muli(scale) : null;
        return new Attention(w.path(), heads, inner,
                Linear.of(qWeight, qBias),
                Linear.load(w.child("to_k"), contextDim, inner, qkvBias),
                Linear.load(w.child("to_v"), contextDim, inner, qkvBias),
                Linear.load(w.child("to_out").child(0), inner, queryDim, true),
                upcast);
    }

    /**
     * A layer from projections loaded by the caller, for checkpoints that name them differently (the VAE's
     * deprecated {@code query/key/value/proj_attn}). Inner dim = {@code toQ}'s output features. {@code toQ} is
     * pre-scaled by head_dim^-0.5 in place, as {@link #load} does.
     */
    public static Attention of(String name, int heads, Linear toQ, Linear toK, Linear toV, Linear toOut) {
        long inner = toQ.outFeatures();
        toQ.scaleInPlace((float) (1.0 / Math.sqrt((double) inner / heads)));
        return new Attention(name, heads, inner, toQ, toK, toV, toOut, false);
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
        long b = q.getShape().get(0);
        long n = q.getShape().get(1);
        long m = k.getShape().get(1);
        long d = innerDim / heads;
        long bytesPerRow = heads * m * (upcast ? 4 : q.getDataType().getNumOfBytes()); // one query row of the scores
        long rows = Math.max(1, SCORE_BUDGET_BYTES / Math.max(1, bytesPerRow));       // query rows per slice
        if (b * n <= rows) {
            return attendHeads(q, k, v, b, n, m, d);
        }
        // sliced: whole samples while they fit, else query chunks of one sample
        long samples = Math.max(1, rows / n);
        long queries = samples > 1 || rows >= n ? n : rows;
        NDList parts = new NDList();
        for (long s = 0; s < b; s += samples) {
            long e = Math.min(b, s + samples);
            String batch = s + ":" + e;
            NDArray ks = k.get(batch);
            NDArray vs = v.get(batch);
            for (long r = 0; r < n; r += queries) {
                long re = Math.min(n, r + queries);
                NDArray qs = q.get(batch + ", " + r + ":" + re);
                parts.add(attendHeads(qs, ks, vs, e - s, re - r, m, d));
                qs.close();
            }
            ks.close();
            vs.close();
        }
        NDArray out;
        if (queries == n) {
            out = NDArrays.concat(parts, 0);                                 // [B, N, C]
        } else {
            long chunks = (n + queries - 1) / queries;
            NDList rowsOfSamples = new NDList();
            for (int i = 0; i < parts.size(); i += (int) chunks) {
                rowsOfSamples.add(NDArrays.concat(new NDList(parts.subList(i, i + (int) chunks)), 1)); // [1, N, C]
            }
            out = NDArrays.concat(rowsOfSamples, 0);                         // [B, N, C]
            rowsOfSamples.close();
        }
        parts.close();
        return out;
    }

    private NDArray attendHeads(NDArray q, NDArray k, NDArray v, long b, long n, long m, long d) {
        DataType dtype = q.getDataType();
        boolean up = upcast && dtype != DataType.FLOAT32 && dtype != DataType.FLOAT64;
        NDArray qs = heads(q, b, n, d, 0, 2, 1, 3);                    // [B, H, N, d], pre-scaled by to_q
        if (up) {
            NDArray q32 = qs.toType(DataType.FLOAT32, true);
            qs.close();
            qs = q32;
        }
        NDArray kt = heads(k, b, m, d, 0, 2, 3, 1);                    // [B, H, d, M]
        if (up) {
            NDArray k32 = kt.toType(DataType.FLOAT32, true);
            kt.close();
            kt = k32;
        }
        NDArray scores = qs.matMul(kt);                                // [B, H, N, M]
        qs.close();
        kt.close();
        NDArray probs = scores.softmax(-1);
        scores.close();
        if (up) {
            NDArray p = probs.toType(dtype, false);
            probs.close();
            probs = p;
        }
        NDArray vh = heads(v, b, m, d, 0, 2, 1, 3);                    // [B, H, M, d]
        NDArray ctx = probs.matMul(vh);                                // [B, H, N, d]
        probs.close();
        vh.close();
        NDArray ct = ctx.transpose(0, 2, 1, 3);                        // [B, N, H, d]
        NDArray out = ct.reshape(new Shape(b, n, heads * d));          // [B, N, C]
        ct.close();
        ctx.close();
        return out;
    }

    /** [B, T, C] viewed as [B, T, H, d], then permuted by {@code axes}. */
    private NDArray heads(NDArray x, long b, long t, long d, int... axes) {
        NDArray r = x.reshape(b, t, heads, d);                         // [B, T, H, d]
        NDArray p = r.transpose(axes);
        r.close();
        return p;
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
