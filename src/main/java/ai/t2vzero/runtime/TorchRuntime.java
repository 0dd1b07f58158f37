package ai.t2vzero.runtime;

import ai.djl.engine.Engine;

/**
 * One place that starts the PyTorch engine of DJL. libtorch comes from the {@code pytorch-native-cpu} jar
 * on the class path (or from {@code PYTORCH_LIBRARY_PATH}, as in the CUDA image), never from the network:
 * DJL's offline switch is set before the engine is first touched, so any attempted download fails at once.
 */
public final class TorchRuntime {

    private static volatile Engine engine;

    private TorchRuntime() {}

    /** Loads libtorch once and returns the engine. Cheap after the first call. */
    public static Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (TorchRuntime.class) {
                e = engine;
                if (e == null) {
                    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
                        System.setProperty("ai.djl.offline", "true");
                    }
                    e = Engine.getEngine("PyTorch");
                    engine = e;
                }
            }
        }
        return e;
    }

    /** "PyTorch 2.7.1": for health checks and benchmark headers. */
    public static String describe() {
        Engine e = engine();
        return e.getEngineName() + " " + e.getVersion();
    }
}
