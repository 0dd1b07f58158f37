package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Attention;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.BipartiteSoftMatching;
import ai.t2vzero.model.nn.FeedForward;
import ai.t2vzero.model.nn.LayerNorm;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.Optional;

/**
 * diffusers' {@code BasicTransformerBlock} (norm_type "layer_norm", activation "geglu", no attention bias):
 * <pre>
 *   x = attn1(norm1(x)) + x                 self-attention (the layer a cross-frame processor replaces)
 *   x = attn2(norm2(x), text) + x           cross-attention to the text encoder's hidden states
 *   x = ff(norm3(x)) + x                    GEGLU feed-forward
 * </pre>
 * With token merging in the call ({@link AttnProcessors#tokenMerging}, tomesd's ToMeBlock), the self-attention line
 * becomes {@code x = unmerge(attn1(merge(norm1(x)))) + x}, the merge computed on the block's input x.
 * Legend: B batch, N tokens (h * w), C channels, L text tokens, D text width.
 */
public final class BasicTransformerBlock {

    private static final double LAYER_NORM_EPS = 1e-5;

    private final String name;
    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;

    private BasicTransformerBlock(String name, LayerNorm norm1, Attention attn1, LayerNorm norm2, Attention attn2,
                                  LayerNorm norm3, FeedForward ff) {
        this.name = name;
        this.norm1 = norm1;
        this.attn1 = attn1;
        this.norm2 = norm2;
        this.attn2 = attn2;
        this.norm3 = norm3;
        this.ff = ff;
    }

    /**
     * @param dim               channels (= heads * headDim)
     * @param crossAttentionDim text width D
     * @param upcastAttention   scores in float32 under half precision
     */
    public static BasicTransformerBlock load(WeightScope w, long dim, int heads, long headDim, long crossAttentionDim,
                                             boolean upcastAttention) {
        return new BasicTransformerBlock(w.path(),
                LayerNorm.load(w.child("norm1"), dim, LAYER_NORM_EPS),
                Attention.load(w.child("attn1"), dim, dim, heads, headDim, false, upcastAttention),
                LayerNorm.load(w.child("norm2"), dim, LAYER_NORM_EPS),
                Attention.load(w.child("attn2"), dim, crossAttentionDim, heads, headDim, false, upcastAttention),
                LayerNorm.load(w.child("norm3"), dim, LAYER_NORM_EPS),
                FeedForward.load(w.child("ff"), dim, 4));
    }

    /** x [B, N, C], text [B, L, D] -> [B, N, C]. */
    public NDArray forward(NDArray x, NDArray encoderHiddenStates, AttnProcessors processors) {
        return Scopes.keep(() -> {
            // 1. self-attention (tomesd: merged tokens in, unmerged out; the similarity metric is x itself)
            Optional<BipartiteSoftMatching> tome = processors.tokenMerging().compute(name, x);
            NDArray h;
            if (tome.isEmpty()) {
                h = attn1.forward(norm1.forward(x), null, processors).addi(x);
            } else {
                NDArray merged = tome.get().merge(norm1.forward(x));             // [B, N - r, C]
                h = tome.get().unmerge(attn1.forward(merged, null, processors)).addi(x);
            }
            // 2. cross-attention
            NDArray n2 = norm2.forward(h);
            h = attn2.forward(n2, encoderHiddenStates, processors).addi(h);
            // 3. feed-forward
            NDArray n3 = norm3.forward(h);
            return ff.forward(n3).addi(h);
        });
    }
}
