package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nearest-neighbour upsampling as torch's F.interpolate(mode="nearest"): src = floor(dst * in / out). */
class Upsample2DTest {

    @TempDir
    Path dir;

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

    /**
     * The phase form (one 2x2 convolution with 4 x out filters, then an interleave) equals the literal nearest 2x
     * followed by the 3x3 convolution, borders included, for non-square inputs, in != out and batch > 1.
     */
    @Test
    void phaseFormEqualsUpsampleThenConv() throws Exception {
        long[][] cases = {{2, 6, 10, 5, 7}, {1, 8, 8, 1, 1}, {3, 4, 6, 2, 9}};   // B, in, out, H, W
        for (long[] c : cases) {
            try (NDManager m = NDManager.newBaseManager()) {
                WeightStore store = new TestWeights().add("up.conv.weight", c[2], c[1], 3, 3).add("up.conv.bias", c[2])
                        .open(dir, m, 0.3f, (int) c[1]);
                Upsample2D up = Upsample2D.load(store.root().child("up"), c[1], c[2]);
                NDArray x = m.randomNormal(0, 1, new Shape(c[0], c[1], c[3], c[4]), DataType.FLOAT32);
                NDArray w = store.root().child("up").child("conv").get("weight", c[2], c[1], 3, 3);
                NDArray b = store.root().child("up").child("conv").get("bias", c[2]);
                NDArray literal = Conv2d.of(w, b, 1, 1).forward(Upsample2D.nearest(x, null));
                NDArray phases = up.forward(x, null);
                assertEquals(literal.getShape(), phases.getShape());
                float diff = phases.sub(literal).abs().max().getFloat();
                float scale = literal.abs().max().getFloat();
                assertTrue(diff <= 1e-5f * scale, "max |phase - literal| " + diff + " of " + scale + " for "
                        + java.util.Arrays.toString(c));
                // an explicit exact 2x size takes the same path
                NDArray explicit = up.forward(x, new long[] {2 * c[3], 2 * c[4]});
                assertEquals(0f, explicit.sub(phases).abs().max().getFloat());
            }
        }
    }

    /** A skip of odd size (outputSize below 2x) is the literal interpolate-then-conv. */
    @Test
    void oddOutputSizeIsTheLiteralPath() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightStore store = new TestWeights().add("up.conv.weight", 4, 3, 3, 3).add("up.conv.bias", 4)
                    .open(dir, m, 0.3f, 7);
            Upsample2D up = Upsample2D.load(store.root().child("up"), 3, 4);
            NDArray x = m.randomNormal(0, 1, new Shape(1, 3, 3, 5), DataType.FLOAT32);
            NDArray w = store.root().child("up").child("conv").get("weight", 4, 3, 3, 3);
            NDArray b = store.root().child("up").child("conv").get("bias", 4);
            long[] size = {5, 9};
            NDArray literal = Conv2d.of(w, b, 1, 1).forward(Upsample2D.nearest(x, size));
            NDArray actual = up.forward(x, size);
            assertEquals(new Shape(1, 4, 5, 9), actual.getShape());
            assertEquals(0f, actual.sub(literal).abs().max().getFloat());
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
