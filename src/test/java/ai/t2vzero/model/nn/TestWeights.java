package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Random checkpoints for unit tests: a safetensors file of N(0, std) tensors, opened as a strict WeightStore. */
public final class TestWeights {

    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public TestWeights add(String key, long... shape) {
        shapes.put(key, shape);
        return this;
    }

    /** Writes the tensors (seeded) to {@code dir} and opens them into {@code manager}. */
    public WeightStore open(Path dir, NDManager manager, float std, int seed) throws IOException {
        return open(dir, manager, std, seed, DataType.FLOAT32);
    }

    /** As {@link #open(Path, NDManager, float, int)}, for a model dtype ({@code BFLOAT16}: bfloat16 products). */
    public WeightStore open(Path dir, NDManager manager, float std, int seed, DataType dtype) throws IOException {
        Path file = Files.createTempFile(dir, "weights", ".safetensors");
        try (NDManager tmp = NDManager.newBaseManager()) {
            tmp.getEngine().setRandomSeed(seed);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                arrays.put(e.getKey(), tmp.randomNormal(0, std, new Shape(e.getValue()), DataType.FLOAT32));
            }
            SafeTensorsWriter.write(file, arrays, Map.of());
        }
        return new WeightStore("test", List.of(file), manager, dtype);
    }
}
