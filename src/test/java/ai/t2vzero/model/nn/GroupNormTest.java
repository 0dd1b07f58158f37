package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.testing.TensorAssert;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** GroupNorm against the definition, computed element by element in double precision. */
class GroupNormTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void matchesDefinitionOn4dAnd3dInputs(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            int b = 2;
            int c = 6;
            int g = 3;
            double eps = 1e-6;
            NDArray weight = m.randomNormal(new Shape(c));
            NDArray bias = m.randomNormal(new Shape(c));
            Path f = dir.resolve("gn.safetensors");
            SafeTensorsWriter.write(f, Map.of("n.weight", weight, "n.bias", bias), Map.of());
            try (WeightStore store = new WeightStore("gn", List.of(f), m, weight.getDataType())) {
                GroupNorm norm = GroupNorm.load(store.root().child("n"), g, c, eps);
                store.verifyComplete();
                for (Shape s : List.of(new Shape(b, c, 5, 3), new Shape(b, c, 7))) {
                    // an offset and scale so that the statistics matter
                    NDArray x = m.randomNormal(s).mul(3).add(1.5);
                    NDArray actual = norm.forward(x);
                    NDArray expected = m.create(reference(x.toFloatArray(), b, c, g, (int) (s.size() / (b * c)),
                            weight.toFloatArray(), bias.toFloatArray(), eps), s);
                    TensorAssert.assertClose("group_norm " + s, actual, expected, 1e-5, 1e-5);
                }
            }
        }
    }

    /** torch.nn.GroupNorm by its formula: per (sample, group) mean and biased variance. */
    private static float[] reference(float[] x, int b, int c, int g, int spatial, float[] w, float[] bias, double eps) {
        float[] out = new float[x.length];
        int cpg = c / g;
        for (int n = 0; n < b; n++) {
            for (int gi = 0; gi < g; gi++) {
                int start = (n * c + gi * cpg) * spatial;
                int len = cpg * spatial;
                double mean = 0;
                for (int i = 0; i < len; i++) {
                    mean += x[start + i];
                }
                mean /= len;
                double var = 0;
                for (int i = 0; i < len; i++) {
                    var += (x[start + i] - mean) * (x[start + i] - mean);
                }
                var /= len;
                double inv = 1 / Math.sqrt(var + eps);
                for (int i = 0; i < len; i++) {
                    int ch = gi * cpg + i / spatial;
                    out[start + i] = (float) ((x[start + i] - mean) * inv * w[ch] + bias[ch]);
                }
            }
        }
        return out;
    }
}
