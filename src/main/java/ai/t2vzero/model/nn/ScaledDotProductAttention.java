package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;

import java.util.Optional;

/**
 * libtorch's {@code torch.scaled_dot_product_attention}, which DJL 0.36's NDArray API does not expose, reached
 * through a parameter-free TorchScript module shipped as a resource ({@code scaled_dot_product_attention.pt}, made
 * by {@code tools/sdpa/make_sdpa_module.py}; loaded by {@link TorchScriptModule}). The module computes q [B, N, C],
 * k [B, M, C], v [B, M, C] -> [B, N, C] for H heads with {@code scale=1} (our queries come pre-scaled:
 * {@link Attention}). One module per device, loaded on first use; when it cannot be loaded (an older libtorch
 * without the op), {@link #module} is empty and the caller falls back.
 */
final class ScaledDotProductAttention {

    private static final TorchScriptModule MODULE =
            new TorchScriptModule("scaled_dot_product_attention.pt", "using sliced attention");

    private ScaledDotProductAttention() {}

    /** The module for {@code device}, loaded once (empty, with one warning, when libtorch rejects it). */
    static Optional<PtSymbolBlock> module(Device device) {
        return MODULE.on(device);
    }

    /** softmax(q k^T) v per head: q [B, N, C] (pre-scaled), k and v [B, M, C] -> [B, N, C], on q's manager. */
    static NDArray apply(PtSymbolBlock module, NDArray q, NDArray k, NDArray v, int heads) {
        try (IValue iq = IValue.from((PtNDArray) q);
             IValue ik = IValue.from((PtNDArray) k);
             IValue iv = IValue.from((PtNDArray) v);
             IValue ih = IValue.from((long) heads);
             IValue out = module.forward(iq, ik, iv, ih)) {
            return out.toTensor((PtNDManager) q.getManager());
        }
    }
}
