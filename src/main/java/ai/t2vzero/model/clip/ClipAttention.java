package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Linear;
import ai.t2vzero.weights.WeightScope;

/**
 * transformers' {@code CLIPAttention}: multi-head self-attention with biased q/k/v/out projections and an additive
 * mask, {@code out_proj(softmax(q k^T / sqrt(d) + mask) v)}. As upstream, the query is scaled before the product.
 *
 * <p>Legend: B batch, L tokens, D hidden size, H heads, d = D / H. (Single-letter dimension locals are a
 * deliberate waiver of the naming rule, as in DJL's attention blocks.)
 */
final class ClipAttention {

    private final int heads;
    private final long headDim;
    private final float scale;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    private ClipAttention(int heads, long headDim, Linear qProj, Linear kProj, Linear vProj, Linear outProj) {
        this.heads = heads;
        this.headDim = headDim;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.outProj = outProj;
    }

    static ClipAttention load(WeightScope w, ClipTextConfig config) {
        long dim = config.hiddenSize();
        return new ClipAttention(config.numAttentionHeads(), config.headDim(),
                Linear.load(w.child("q_proj"), dim, dim, true),
                Linear.load(w.child("k_proj"), dim, dim, true),
                Linear.load(w.child("v_proj"), dim, dim, true),
                Linear.load(w.child("out_proj"), dim, dim, true));
    }

    /**
     * @param hidden [B, L, D]
     * @param mask   [L, L] additive mask (0 where attending is allowed, -inf elsewhere), broadcast over B and H
     * @return [B, L, D]
     */
    NDArray forward(NDArray hidden, NDArray mask) {
        long B = hidden.getShape().get(0);
        long L = hidden.getShape().get(1);
        long D = hidden.getShape().get(2);
        // 1. projections, split into heads
        NDArray q = qProj.forward(hidden).muli(scale)
                .reshape(B, L, heads, headDim).transpose(0, 2, 1, 3);            // [B, H, L, d], pre-scaled
        NDArray kT = kProj.forward(hidden).reshape(B, L, heads, headDim).transpose(0, 2, 3, 1); // [B, H, d, L]
        NDArray v = vProj.forward(hidden).reshape(B, L, heads, headDim).transpose(0, 2, 1, 3);  // [B, H, L, d]
        ai.t2vzero.runtime.FlopCounter.add(2 * B * L * L * D);                  // q k^T and p v multiply-adds
        // 2. masked softmax over the keys
        NDArray probs = q.matMul(kT).addi(mask).softmax(-1);                       // [B, H, L, L]
        // 3. weighted values, heads merged back
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(B, L, D); // [B, L, D]
        return outProj.forward(context);
    }
}
