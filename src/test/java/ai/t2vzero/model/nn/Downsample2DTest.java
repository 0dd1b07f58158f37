package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The VAE's Downsample2D (padding 0): zero padding on the right and bottom only, then a stride-2 3x3 conv. */
class Downsample2DTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void padsRightAndBottomOnly(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            // a summing kernel with bias 0: each output is the sum of its 3x3 window
            Path f = dir.resolve("d.safetensors");
            SafeTensorsWriter.write(f, Map.of("d.conv.weight", m.ones(new Shape(1, 1, 3, 3)),
                    "d.conv.bias", m.zeros(new Shape(1))), Map.of());
            try (WeightStore store = new WeightStore("d", List.of(f), m, ai.djl.ndarray.types.DataType.FLOAT32)) {
                Downsample2D down = Downsample2D.load(store.root().child("d"), 1, 1, 0);
                store.verifyComplete();
                NDArray x = m.arange(1f, 17f).reshape(1, 1, 4, 4);
                NDArray y = down.forward(x);
                assertEquals(new Shape(1, 1, 2, 2), y.getShape());
                float[] v = x.toFloatArray();
                float[] expected = {
                    window(v, 0, 0), window(v, 0, 2),
                    window(v, 2, 0), window(v, 2, 2)};
                assertArrayEquals(expected, y.toFloatArray());
            }
        }
    }

    /** Sum of the 3x3 window at (r, c) of a 4x4 plane padded with zeros beyond row/column 3. */
    private static float window(float[] v, int r, int c) {
        float s = 0;
        for (int i = r; i < r + 3; i++) {
            for (int j = c; j < c + 3; j++) {
                if (i < 4 && j < 4) {
                    s += v[i * 4 + j];
                }
            }
        }
        return s;
    }
}
