package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
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
 * A parameter-free TorchScript module shipped as a resource of this package, for a libtorch op that DJL 0.36's NDArray
 * API does not expose ({@code scaled_dot_product_attention}, {@code scatter_reduce}); made by a script under
 * {@code tools/} and run through DJL's {@link PtSymbolBlock}: no fork of DJL and no Python at run time. One module
 * per device, loaded on first use and kept for the life of the process; when libtorch rejects it, {@link #on} is
 * empty (with one warning) and the caller falls back or fails.
 */
final class TorchScriptModule {

    private static final Logger LOG = Logger.getLogger(TorchScriptModule.class.getName());

    private final String resource;
    private final String whenMissing;
    private final Map<Device, Optional<PtSymbolBlock>> modules = new ConcurrentHashMap<>();

    /**
     * @param resource    file name next to this class
     * @param whenMissing what the caller does without it, for the warning ("using sliced attention")
     */
    TorchScriptModule(String resource, String whenMissing) {
        this.resource = resource;
        this.whenMissing = whenMissing;
    }

    /** The module on {@code device}, loaded once (empty, with one warning, when libtorch rejects it). */
    Optional<PtSymbolBlock> on(Device device) {
        return modules.computeIfAbsent(device, this::load);
    }

    private Optional<PtSymbolBlock> load(Device device) {
        TorchRuntime.engine();
        // a plain interpreter: the profiling executor would re-specialize the graph for every new shape
        JniUtils.setGraphExecutorOptimize(false);
        // the module lives as long as the process: a base manager of its own, never closed
        PtNDManager manager = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
        try (InputStream in = TorchScriptModule.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " missing");
            }
            return Optional.of(JniUtils.loadModule(manager, in, true, false));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, resource + " unavailable on " + device + ", " + whenMissing + ": " + e);
            manager.close();
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return resource;
    }
}
