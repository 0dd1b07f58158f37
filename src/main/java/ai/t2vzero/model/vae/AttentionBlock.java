package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.Attention;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.GroupNorm;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

/**
 * The VAE mid-block's spatial self-attention: diffusers' {@code Attention} built with {@code group_norm},
 * one head spanning all channels, {@code residual_connection=True} and {@code rescale_output_factor=1}
 * (formerly diffusers' {@code AttentionBlock}, hence the class name):
 * <pre>
 *   t = group_norm(x) viewed as [B, HW, C]
 *   out = to_out(softmax(to_q(t) to_k(t)^T / sqrt(C)) to_v(t)) viewed back as [B, C, H, W] + x
 * </pre>
 * Checkpoints exist with the current key names ({@code to_q, to_k, to_v, to_out.0}) and with the deprecated ones
 * ({@code query, key, value, proj_attn}: e.g. older snapshots of runwayml/stable-diffusion-v1-5's vae); diffusers
 * renames the latter at load time, and so do we. Both use [C, C] linear weights with biases.
 *
 * <p>Legend: B batch, C channels, H, W spatial size.
 */
final class AttentionBlock {

    private final GroupNorm groupNorm;
    private final Attention attention;

    private AttentionBlock(GroupNorm groupNorm, Attention attention) {
        this.groupNorm = groupNorm;
        this.attention = attention;
    }

    static AttentionBlock load(WeightScope w, long channels, int groups, double eps) {
        GroupNorm norm = GroupNorm.load(w.child("group_norm"), groups, channels, eps);
        Attention attn;
        if (!w.has("to_q") && w.has("query")) {
            // deprecated names: query -> to_q, key -> to_k, value -> to_v, proj_attn -> to_out.0
            attn = Attention.load(w.path(), w.child("query"), w.child("key"), w.child("value"), w.child("proj_attn"),
                    channels, channels, 1, channels, true, false);
        } else {
            // heads = channels / attention_head_dim with attention_head_dim = channels: a single head
            attn = Attention.load(w, channels, channels, 1, channels, true);
        }
        return new AttentionBlock(norm, attn);
    }

    /** [B, C, H, W] -> [B, C, H, W]. */
    NDArray forward(NDArray x) {
        return Scopes.keep(() -> {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long hw = s.get(2) * s.get(3);
            NDArray normed = groupNorm.forward(x);                                 // [B, C, H, W]
            NDArray tokens = normed.reshape(b, c, hw).transpose(0, 2, 1);          // [B, HW, C] (view)
            NDArray attended = attention.forward(tokens, null, AttnProcessors.DEFAULT); // [B, HW, C]
            // residual connection (the contiguous residual first, so the sum is laid out contiguously);
            // rescale_output_factor 1
            NDArray out = x.reshape(b, c, hw).add(attended.transpose(0, 2, 1));    // [B, C, HW]
            return out.reshape(s);                                                  // [B, C, H, W]
        });
    }
}
