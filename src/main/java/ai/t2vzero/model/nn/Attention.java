package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.WeightScope;

/**
 * diffusers' {@code Attention} (to_q, to_k, to_v, to_out.0; to_out.1 is Dropout: no weights) with the math of
 * its {@code AttnProcessor}: {@code softmax(q k^T / sqrt(d)) v} per head. The processor that decides which keys
 * and values are used is passed in per call.
 *
 * <p>Legend: B batch, N query tokens, M key tokens, C channels, H heads, d = C / H head dim. (Single-letter
 * dimension locals are a deliberate waiver of the naming rule, as in DJL's attention blocks.)
 *
 * <p>The score matrix is [B, H, N, M]; for large images it is computed in slices of the batch so that it never
 * exceeds {@link #SCORE_BUDGET_BYTES} (diffusers' sliced attention), which bounds peak memory without changing
 * the result.
 */
public final class Attention {

    /** Largest score tensor materialized at once. */
    public static final long SCORE_BUDGET_BYTES = 512L << 20;

    private final String name;
    private final int heads;
    private final long innerDim;
    private final float scale;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    private Attention(String name, int heads, long innerDim, Linear toQ, Linear toK, Linear toV, Linear toOut) {
        this.name = name;
        this.heads = heads;
        this.innerDim = innerDim;
        this.scale = (float) (1.0 / Math.sqrt((double) innerDim / heads));
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
        long inner = heads * headDim;
        return new Attention(w.path(), heads, inner,
                Linear.load(w.child("to_q"), queryDim, inner, qkvBias),
                Linear.load(w.child("to_k"), contextDim, inner, qkvBias),
                Linear.load(w.child("to_v"), contextDim, inner, qkvBias),
                Linear.load(w.child("to_out").child(0), inner, queryDim, true));
    }

    /**
     * A layer from projections loaded by the caller, for checkpoints that name them differently (the VAE's
     * deprecated {@code query/key/value/proj_attn}). Inner dim = {@code toQ}'s output features.
     */
    public static Attention of(String name, int heads, Linear toQ, Linear toK, Linear toV, Linear toOut) {
        return new Attention(name, heads, toQ.outFeatures(), toQ, toK, toV, toOut);
    }

    /** [B, N, C] (+ optional context [B, M, Cc]) -> [B, N, C] through the processor chosen for this layer. */
    public NDArray forward(NDArray hidden, NDArray context, AttnProcessors processors) {
        return processors.forLayer(name).apply(this, hidden, context);
    }

    /** Multi-head scaled dot-product attention of already projected q [B,N,C], k [B,M,C], v [B,M,C] -> [B,N,C]. */
    public NDArray attend(NDArray q, NDArray k, NDArray v) {
        long b = q.getShape().get(0);
        long n = q.getShape().get(1);
        long m = k.getShape().get(1);
        long d = innerDim / heads;
        long bytesPerSample = heads * n * m * q.getDataType().getNumOfBytes();
        long slice = Math.max(1, Math.min(b, SCORE_BUDGET_BYTES / Math.max(1, bytesPerSample)));
        if (slice >= b) {
            return attendHeads(q, k, v, b, n, m, d);
        }
        NDList parts = new NDList();
        for (long s = 0; s < b; s += slice) {
            long e = Math.min(b, s + slice);
            String idx = s + ":" + e;
            NDArray qs = q.get(idx);
            NDArray ks = k.get(idx);
            NDArray vs = v.get(idx);
            parts.add(attendHeads(qs, ks, vs, e - s, n, m, d));
            qs.close();
            ks.close();
            vs.close();
        }
        NDArray out = NDArrays.concat(parts, 0);
        parts.close();
        return out;
    }

    private NDArray attendHeads(NDArray q, NDArray k, NDArray v, long b, long n, long m, long d) {
        NDArray qh = q.reshape(b, n, heads, d).transpose(0, 2, 1, 3).mul(scale);   // [B, H, N, d], pre-scaled
        NDArray kt = k.reshape(b, m, heads, d).transpose(0, 2, 3, 1);             // [B, H, d, M]
        NDArray vh = v.reshape(b, m, heads, d).transpose(0, 2, 1, 3);             // [B, H, M, d]
        NDArray scores = qh.matMul(kt);                                             // [B, H, N, M]
        qh.close();
        kt.close();
        NDArray probs = scores.softmax(-1);
        scores.close();
        NDArray ctx = probs.matMul(vh);                                             // [B, H, N, d]
        probs.close();
        vh.close();
        NDArray out = ctx.transpose(0, 2, 1, 3).reshape(new Shape(b, n, heads * d)); // [B, N, C]
        ctx.close();
        return out;
    }

    public String name() {
        return name;
    }

    public int heads() {
        return heads;
    }

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
