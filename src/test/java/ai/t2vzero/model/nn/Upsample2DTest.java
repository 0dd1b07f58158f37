package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Nearest-neighbour upsampling as torch's F.interpolate(mode="nearest"): src = floor(dst * in / out). */
class Upsample2DTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void doublesEveryRowAndColumn() {
        try (NDManager m = NDManager.newBaseManager()) {
            int b = 2;
            int c = 3;
            int h = 3;
            int w = 4;
            NDArray x = m.arange(0f, b * c * h * w).reshape(b, c, h, w);
            NDArray up = Upsample2D.nearest(x, null);
            assertEquals(new Shape(b, c, 2 * h, 2 * w), up.getShape());
            // repeat_interleave(2) on H and W: out[.., i, j] = x[.., i / 2, j / 2]
            assertArrayEquals(expected(x.toFloatArray(), b * c, h, w, 2 * h, 2 * w), up.toFloatArray());
        }
    }

    @Test
    void explicitOutputSizeUsesFloorOfScaledIndex() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(0f, 12f).reshape(1, 1, 3, 4);
            NDArray up = Upsample2D.nearest(x, new long[] {5, 7});
            assertEquals(new Shape(1, 1, 5, 7), up.getShape());
            assertArrayEquals(expected(x.toFloatArray(), 1, 3, 4, 5, 7), up.toFloatArray());
        }
    }

    private static float[] expected(float[] x, int planes, int h, int w, int oh, int ow) {
        float[] out = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < oh; i++) {
                int si = Math.min((int) Math.floor(i * ((float) h / oh)), h - 1);
                for (int j = 0; j < ow; j++) {
                    int sj = Math.min((int) Math.floor(j * ((float) w / ow)), w - 1);
                    out[(p * oh + i) * ow + j] = x[(p * h + si) * w + sj];
                }
            }
        }
        return out;
    }
}
