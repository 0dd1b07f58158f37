package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.Attention;
import ai.t2vzero.model.nn.AttnProcessor;
import ai.t2vzero.model.nn.DefaultAttnProcessor;

/**
 * Text2Video-Zero's cross-frame attention (diffusers' {@code CrossFrameAttnProcessor}, Sec. 3.3 of arXiv 2303.13439):
 * in SELF-attention the batch is viewed as {@code batchSize} contiguous groups of F = B / batchSize frames
 * ({@code [uncond f0..fF-1, cond f0..fF-1]} under classifier-free guidance; three groups for pix2pix), and every frame
 * attends to the keys and values of frame 0 of its own group; queries are unchanged. Cross-attention to the text is
 * plain attention.
 *
 * <p>Instead of computing keys and values for all frames and overwriting them with frame 0's (as diffusers does),
 * only the anchor frames are projected, and the F frames of a group are attended as one long query sequence
 * [F*N] against the anchor's N keys: softmax is per query, so this is the same result without repeating K/V.
 *
 * <p>Legend: B batch (= batchSize * F), F frames per group, N tokens, C channels.
 */
public final class CrossFrameAttnProcessor implements AttnProcessor {

    private final int batchSize;

    /** @param batchSize number of frame groups in the batch (2 under classifier-free guidance, 3 for pix2pix). */
    public CrossFrameAttnProcessor(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1 (got " + batchSize + ")");
        }
        this.batchSize = batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public NDArray apply(Attention attn, NDArray hidden, NDArray context) {
        if (context != null) {
            return DefaultAttnProcessor.INSTANCE.apply(attn, hidden, context);
        }
        Shape s = hidden.getShape();
        long b = s.get(0);
        long n = s.get(1);
        long c = s.get(2);
        if (b % batchSize != 0) {
            throw new IllegalArgumentException(attn.name() + ": batch " + b + " is not a multiple of the cross-frame "
                    + "batch size " + batchSize);
        }
        long f = b / batchSize;
        NDArray grouped = hidden.reshape(batchSize, f, n, c);      // [batchSize, F, N, C]
        NDArray anchors = grouped.get(":, 0");                     // [batchSize, N, C]: frame 0 of each group
        NDArray k = attn.toK().forward(anchors);                   // [batchSize, N, inner]
        NDArray v = attn.toV().forward(anchors);                   // [batchSize, N, inner]
        anchors.close();
        grouped.close();
        NDArray q = attn.toQ().forward(hidden);                    // [B, N, inner]
        long inner = q.getShape().get(2);
        NDArray groupQueries = q.reshape(batchSize, f * n, inner); // [batchSize, F*N, inner]: a group's frames in a row
        NDArray out = attn.attend(groupQueries, k, v);             // [batchSize, F*N, inner]
        groupQueries.close();
        q.close();
        k.close();
        v.close();
        NDArray frames = out.reshape(b, n, inner);                 // [B, N, inner]
        out.close();
        NDArray y = attn.toOut().forward(frames);                  // [B, N, C]
        frames.close();
        return y;
    }

    @Override
    public String toString() {
        return "CrossFrameAttnProcessor(batchSize=" + batchSize + ")";
    }
}
