package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Makes a tensor for a checkpoint key when no checkpoint exists (demo and benchmark bundles). The default
 * initialisation keeps activations of a random network bounded, so a random bundle runs the real arithmetic
 * without overflow: normalisation weights 1, biases 0, embeddings N(0, 0.02), other weights N(0, 1/fan_in).
 */
@FunctionalInterface
public interface WeightInit {

    NDArray create(String key, long[] shape, NDManager manager);

    static WeightInit standard() {
        return (key, shape, m) -> {
            Shape s = new Shape(shape);
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            boolean norm = key.contains("norm") || key.contains("layer_norm") || key.contains("ln_");
            if (leaf.equals("bias")) {
                return m.zeros(s, DataType.FLOAT32);
            }
            if (shape.length == 1 && norm) {
                return m.ones(s, DataType.FLOAT32);
            }
            if (key.contains("embedding") && shape.length == 2) {
                return m.randomNormal(0f, 0.02f, s, DataType.FLOAT32);
            }
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            return m.randomNormal(0f, (float) (1.0 / Math.sqrt(Math.max(1, fanIn))), s, DataType.FLOAT32);
        };
    }
}
