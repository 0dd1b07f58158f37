package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.t2vzero.runtime.TorchRuntime;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A libtorch operator that DJL 0.36's NDArray API does not expose, reached through a parameter-free TorchScript
 * module shipped as a resource next to this class (made by a script under {@code tools/}) and run through DJL's
 * {@link PtSymbolBlock}: no fork of DJL and no Python at run time. One module per device, loaded on first use; when
 * libtorch rejects it, {@link #module} is empty (one warning) and the caller takes its own fallback.
 */
final class TorchScriptOp {

    private static final Logger LOG = Logger.getLogger(TorchScriptOp.class.getName());

    private final String resource;
    private final Map<Device, Optional<PtSymbolBlock>> modules = new ConcurrentHashMap<>();

    /** @param resource the module's file name, a resource of this package (e.g. {@code group_norm.pt}) */
    TorchScriptOp(String resource) {
        this.resource = resource;
    }

    /** The module for {@code device}, loaded once (empty, with one warning, when libtorch rejects it). */
    Optional<PtSymbolBlock> module(Device device) {
        return modules.computeIfAbsent(device, this::load);
    }

    private Optional<PtSymbolBlock> load(Device device) {
        TorchRuntime.engine();
        // a plain interpreter: the profiling executor would re-specialize the graph for every new shape
        JniUtils.setGraphExecutorOptimize(false);
        // the module lives as long as the process: a base manager of its own, never closed
        PtNDManager manager = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
        try (InputStream in = TorchScriptOp.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " missing");
            }
            return Optional.of(JniUtils.loadModule(manager, in, true, false));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, resource + " unavailable on " + device + ", using the fallback: " + e);
            manager.close();
            return Optional.empty();
        }
    }

    /**
     * Runs {@code module} on {@code args} (NDArray, Long/Integer, Double/Float, Boolean) and returns its tensor on
     * {@code out}; the arguments' IValue wrappers are freed, the arrays stay with their owners.
     */
    static NDArray call(PtSymbolBlock module, NDManager out, Object... args) {
        List<IValue> inputs = new ArrayList<>(args.length);
        try {
            for (Object a : args) {
                inputs.add(ivalue(a));
            }
            try (IValue result = module.forward(inputs.toArray(new IValue[0]))) {
                return result.toTensor((PtNDManager) out);
            }
        } finally {
            inputs.forEach(IValue::close);
        }
    }

    /**
     * Runs {@code module} on tensors only, outside c10::InferenceMode, and returns its tensor on the first input's
     * manager. DJL runs {@link #call}'s IValue path under InferenceMode, whose results are inference tensors that no
     * later in-place op outside that mode may touch; a convolution's output is updated in place (a ResNet block adds
     * its time embedding into it). The "training" flag of DJL's NDList path is what leaves that mode out: the modules
     * are parameter-free, with no dropout or batch statistics, so it changes nothing in what they compute, and no
     * autograd graph is recorded (no input requires grad).
     */
    static NDArray callForUpdate(PtSymbolBlock module, NDArray... args) {
        for (NDArray a : args) {
            // DJL's NDList path reads a name with '.', "[]" or "()" as a dict, list or tuple argument
            if (a.getName() != null) {
                throw new IllegalArgumentException("named array '" + a.getName() + "' passed to " + module);
            }
        }
        NDManager out = args[0].getManager();
        NDList result = module.forward(new ParameterStore(out, false), new NDList(args), true);
        return result.singletonOrThrow();
    }

    @Override
    public String toString() {
        return resource;
    }

    private static IValue ivalue(Object a) {
        if (a instanceof NDArray x) {
            return IValue.from((PtNDArray) x);
        } else if (a instanceof Integer || a instanceof Long) {
            return IValue.from(((Number) a).longValue());
        } else if (a instanceof Float || a instanceof Double) {
            return IValue.from(((Number) a).doubleValue());
        } else if (a instanceof Boolean b) {
            return IValue.from(b);
        }
        throw new IllegalArgumentException("no IValue for " + a.getClass());
    }
}
