package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.GroupNorm;
import ai.t2vzero.model.nn.Linear;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code Transformer2DModel} on continuous inputs (the {@code attentions.N} of the UNet blocks):
 * <pre>
 *   h = norm(x)                                    GroupNorm, eps 1e-6
 *   h = proj_in(h) as tokens [B, H*W, C]           1x1 Conv (SD 1.x) or Linear (SD 2.x, use_linear_projection)
 *   h = transformer_blocks(h, text)
 *   out = proj_out(h) back to [B, C, H, W] + x
 * </pre>
 * A 1x1 conv on [B, C, H, W] equals a Linear on the channels-last tokens, so both projection kinds run as one GEMM
 * on the [B, H*W, C] tokens (the conv weight [C, C, 1, 1] is viewed as [C, C]).
 *
 * <p>Legend: B batch, C channels (= heads * head dim), H, W spatial size, L text tokens, D text width.
 */
public final class Transformer2DModel {

    private static final double NORM_EPS = 1e-6;

    private final GroupNorm norm;
    private final Linear projIn;
    private final List<BasicTransformerBlock> transformerBlocks;
    private final Linear projOut;

    private Transformer2DModel(GroupNorm norm, Linear projIn, List<BasicTransformerBlock> transformerBlocks,
                               Linear projOut) {
        this.norm = norm;
        this.projIn = projIn;
        this.transformerBlocks = List.copyOf(transformerBlocks);
        this.projOut = projOut;
    }

    /**
     * @param channels            C, in and out
     * @param heads               attention heads (head dim = C / heads)
     * @param layers              number of transformer blocks
     * @param useLinearProjection proj_in/proj_out are Linear (weight [C, C]) rather than 1x1 Conv ([C, C, 1, 1])
     */
    public static Transformer2DModel load(WeightScope w, long channels, int heads, int layers, long crossAttentionDim,
                                          int groups, boolean useLinearProjection, boolean upcastAttention) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException(w.path() + ": " + channels + " channels not divisible by " + heads + " heads");
        }
        long headDim = channels / heads;
        List<BasicTransformerBlock> blocks = new ArrayList<>();
        WeightScope tb = w.child("transformer_blocks");
        for (int i = 0; i < layers; i++) {
            blocks.add(BasicTransformerBlock.load(tb.child(i), channels, heads, headDim, crossAttentionDim, upcastAttention));
        }
        return new Transformer2DModel(
                GroupNorm.load(w.child("norm"), groups, channels, NORM_EPS),
                projection(w.child("proj_in"), channels, useLinearProjection),
                blocks,
                projection(w.child("proj_out"), channels, useLinearProjection));
    }

    private static Linear projection(WeightScope w, long channels, boolean linear) {
        return linear ? Linear.load(w, channels, channels, true) : Linear.loadConv1x1(w, channels, channels);
    }

    /** x [B, C, H, W], text [B, L, D] -> [B, C, H, W]. */
    public NDArray forward(NDArray x, NDArray encoderHiddenStates, AttnProcessors processors) {
        return Scopes.keep(() -> {
            long b = x.getShape().get(0);
            long c = x.getShape().get(1);
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            // 1. input: norm, tokens, proj_in
            NDArray normed = norm.forward(x);
            NDArray tokens = normed.transpose(0, 2, 3, 1).reshape(b, h * w, c);   // [B, H*W, C]
            normed.close();
            NDArray hidden = projIn.forward(tokens);
            tokens.close();
            // 2. blocks
            for (BasicTransformerBlock block : transformerBlocks) {
                NDArray next = block.forward(hidden, encoderHiddenStates, processors);
                hidden.close();
                hidden = next;
            }
            // 3. output: proj_out, back to NCHW, residual
            NDArray projected = projOut.forward(hidden);                           // [B, H*W, C]
            hidden.close();
            NDArray spatial = projected.reshape(b, h, w, c).transpose(0, 3, 1, 2);  // [B, C, H, W] (strided view)
            return x.add(spatial);                                                  // contiguous like x
        });
    }
}
