package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;

/** diffusers' {@code AttnProcessor}: every query attends to all keys of its own sample (or of the context). */
public final class DefaultAttnProcessor implements AttnProcessor {

    public static final DefaultAttnProcessor INSTANCE = new DefaultAttnProcessor();

    private DefaultAttnProcessor() {}

    @Override
    public NDArray apply(Attention attn, NDArray hidden, NDArray context) {
        NDArray source = context == null ? hidden : context;
        NDArray q = attn.toQ().forward(hidden);  // [B, N, C]
        NDArray k = attn.toK().forward(source);  // [B, M, C]
        NDArray v = attn.toV().forward(source);  // [B, M, C]
        NDArray out = attn.attend(q, k, v);      // [B, N, C]
        q.close();
        k.close();
        v.close();
        NDArray y = attn.toOut().forward(out);
        out.close();
        return y;
    }
}
