package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;

import java.util.Optional;

/**
 * libtorch's {@code torch.scaled_dot_product_attention}, which DJL 0.36's NDArray API does not expose, reached
 * through a parameter-free TorchScript module shipped as a resource ({@code scaled_dot_product_attention.pt}, made
 * by {@code tools/sdpa/make_sdpa_module.py}) and run through DJL's {@link PtSymbolBlock}: no fork of DJL and no
 * Python at run time. The module computes q [B, N, C], k [B, M, C], v [B, M, C] -> [B, N, C] for H heads with
 * {@code scale=1} (our queries come pre-scaled: {@link Attention}). Loaded per device by {@link TorchScriptOp};
 * when it cannot be loaded (an older libtorch without the op), {@link #module} is empty and the caller falls back.
 */
final class ScaledDotProductAttention {

    private static final TorchScriptOp OP = new TorchScriptOp("scaled_dot_product_attention.pt");

    private ScaledDotProductAttention() {}

    /** The module for {@code device}, loaded once (empty, with one warning, when libtorch rejects it). */
    static Optional<PtSymbolBlock> module(Device device) {
        return OP.module(device);
    }

    /** softmax(q k^T) v per head: q [B, N, C] (pre-scaled), k and v [B, M, C] -> [B, N, C], on q's manager. */
    static NDArray apply(PtSymbolBlock module, NDArray q, NDArray k, NDArray v, int heads) {
        return TorchScriptOp.call(module, q.getManager(), q, k, v, heads);
    }
}
