package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.t2vzero.runtime.TorchRuntime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * libtorch's {@code torch.scaled_dot_product_attention}, which DJL 0.36's NDArray API does not expose, reached
 * through a parameter-free TorchScript module shipped as a resource ({@code scaled_dot_product_attention.pt}, made
 * by {@code tools/sdpa/make_sdpa_module.py}) and run through DJL's {@link PtSymbolBlock}: no fork of DJL and no
 * Python at run time. The module computes q [B, N, C], k [B, M, C], v [B, M, C] -> [B, N, C] for H heads with
 * {@code scale=1} (our queries come pre-scaled: {@link Attention}). One module per device, loaded on first use;
 * when it cannot be loaded (an older libtorch without the op), {@link #module} is empty and the caller falls back.
 */
final class ScaledDotProductAttention {

    private static final Logger LOG = Logger.getLogger(ScaledDotProductAttention.class.getName());
    private static final String RESOURCE = "scaled_dot_product_attention.pt";
    private static final Map<Device, Optional<PtSymbolBlock>> MODULES = new ConcurrentHashMap<>();

    private ScaledDotProductAttention() {}

    /** The module for {@code device}, loaded once (empty, with one warning, when libtorch rejects it). */
    static Optional<PtSymbolBlock> module(Device device) {
        return MODULES.computeIfAbsent(device, ScaledDotProductAttention::load);
    }

    private static Optional<PtSymbolBlock> load(Device device) {
        TorchRuntime.engine();
        // a plain interpreter: the profiling executor would re-specialize the graph for every new shape
        JniUtils.setGraphExecutorOptimize(false);
        // the module lives as long as the process: a base manager of its own, never closed
        PtNDManager manager = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
        try (InputStream in = ScaledDotProductAttention.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + RESOURCE + " missing");
            }
            return Optional.of(JniUtils.loadModule(manager, in, true, false));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "scaled_dot_product_attention unavailable on " + device
                    + ", using sliced attention: " + e);
            manager.close();
            return Optional.empty();
        }
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
