package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * How an {@link Attention} layer computes its output, as diffusers' attention processors: the layer owns the
 * weights, the processor decides which keys and values each query sees. Plain attention is
 * {@link DefaultAttnProcessor}; Text2Video-Zero plugs in a cross-frame processor for self-attention.
 * Processors are chosen per call ({@link AttnProcessors}), so one cached model serves any mix of requests.
 */
public interface AttnProcessor {

    /**
     * @param hidden  [B, N, C] queries' input
     * @param context [B, M, Cc] for cross-attention, or null for self-attention
     * @return [B, N, C]
     */
    NDArray apply(Attention attn, NDArray hidden, NDArray context);
}
