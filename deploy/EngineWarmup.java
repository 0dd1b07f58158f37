// Loads DJL's PyTorch engine once and runs one tensor op, so that an image build (not the first request of a
// scaled-from-zero pod) pays for extracting libtorch and the DJL JNI library into ENGINE_CACHE_DIR.
// It is also the build-time check that the libtorch an image provides (PYTORCH_LIBRARY_PATH) actually loads.
//
// Not part of the Maven build: run it as a single-file Java program (needs a JDK, not a JRE):
//   java -cp "target/quarkus-app/lib/main/*" deploy/EngineWarmup.java
// It exits non-zero if the engine does not load or the op gives a wrong value.

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Utils;

public class EngineWarmup {

    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = engine.newBaseManager()) {
            // [2, 3] @ [3, 2] of ones: every entry is 3, the sum is 12
            NDArray a = manager.ones(new Shape(2, 3));
            NDArray b = manager.ones(new Shape(3, 2));
            float sum = a.matMul(b).sum().getFloat();
            if (sum != 12f) {
                throw new IllegalStateException("libtorch smoke op gave " + sum + ", expected 12.0");
            }
        }
        System.out.println("EngineWarmup: " + engine.getEngineName() + " " + engine.getVersion()
                + " loaded, devices " + engine.getGpuCount() + " GPU(s); engine cache "
                + Utils.getEngineCacheDir("pytorch"));
    }
}
