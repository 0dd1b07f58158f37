package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The warp against its closed form (reference README, "warp"): output pixel (i, j) of frame id samples the latent at
 * column {@code j + (sx * id - 0.5) * w / 512} and row {@code i + (sy * id - 0.5) * h / 512}, reflected about -0.5
 * and size - 0.5, then rounded half to even; the grid is that position normalized, {@code (x + 0.5) * 2 / w - 1}.
 * Holds exactly for any latent size up to 512 (the bilinear resize of an affine grid is affine).
 */
class MotionFieldTest {

    private NDManager m;

    @BeforeEach
    void open() {
        TorchRuntime.engine();
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** Closed-form source position (before reflection) along an axis of {@code size} latent pixels. */
    private static double position(int j, double strength, int id, int size) {
        return j + (strength * id - 0.5) * size / 512.0;
    }

    private static int closedFormSource(double x, int size) {
        double span = 2.0 * size;
        double r = Math.abs(x + 0.5) % span;
        r = Math.min(r, span - r) - 0.5;
        r = Math.min(size - 1, Math.max(0, r));
        return (int) Math.rint(r);
    }

    private void check(int h, int w, double sx, double sy, int... ids) {
        int n = ids.length;
        int c = 3;
        float[] values = new float[n * c * h * w];
        for (int i = 0; i < values.length; i++) {
            values[i] = i; // every pixel distinct: the gathered value tells where it came from
        }
        NDArray latents = m.create(values, new Shape(n, c, h, w));
        float[] warped = MotionField.createMotionFieldAndWarpLatents(sx, sy, ids, latents).toFloatArray();
        NDArray gridArray = MotionField.grid(m, sx, sy, ids, h, w);
        assertEquals(new Shape(n, h, w, 2), gridArray.getShape());
        float[] grid = gridArray.toFloatArray();
        String label = h + "x" + w + " s=(" + sx + "," + sy + ")";
        for (int f = 0; f < n; f++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    double x = position(j, sx, ids[f], w);
                    double y = position(i, sy, ids[f], h);
                    int g = ((f * h + i) * w + j) * 2;
                    assertEquals((x + 0.5) * 2 / w - 1, grid[g], 1e-6, label + " grid x");
                    assertEquals((y + 0.5) * 2 / h - 1, grid[g + 1], 1e-6, label + " grid y");
                    int sxi = closedFormSource(x, w);
                    int syi = closedFormSource(y, h);
                    for (int ch = 0; ch < c; ch++) {
                        float expected = values[((f * c + ch) * h + syi) * w + sxi];
                        assertEquals(expected, warped[((f * c + ch) * h + i) * w + j], 0.0,
                                label + " frame " + ids[f] + " pixel (" + i + "," + j + ")");
                    }
                }
            }
        }
    }

    @Test
    void pipelineDefaults() {
        check(8, 8, 12, 12, 1, 2, 3);
        check(64, 64, 12, 12, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void zeroNegativeAndFractionalStrengths() {
        check(8, 8, 0, 0, 0, 1, 2);
        check(16, 16, 5.5, -7, 1, 2, 3, 4);
        check(16, 24, -3.25, 0.75, 2, 5);
        check(32, 16, 0.3, -11.7, 1, 3, 9);
    }

    @Test
    void nonSquareAndNonPowerOfTwoSizes() {
        check(60, 44, 12, 12, 1, 2);
        check(3, 5, 7.5, -2, 1, 4);
        check(1, 1, 12, 12, 1);
        check(96, 72, -12, 6, 3, 7);
    }

    @Test
    void farFlowsReflectSeveralTimes() {
        check(8, 8, 100, -100, 1, 8, 13);
        check(16, 8, 1000, 333, 1, 2);
    }

    @Test
    void exactHalfPixelTiesRoundToEven() {
        // (4.5 * 1 - 0.5) * 64 / 512 = 0.5: every source column is j + 0.5 exactly
        check(64, 64, 4.5, 4.5, 1);
        check(64, 64, -3.5, 12.5, 1, 3);
    }

    @Test
    void fullSizeFieldIsTheIdentityResize() {
        check(512, 512, 12, -5, 1);
    }

    @Test
    void warpSingleLatentKeepsShape() {
        NDArray latent = m.randomNormal(new Shape(1, 4, 8, 8));
        assertEquals(new Shape(1, 4, 8, 8), MotionField.warpSingleLatent(latent, new float[] {12, 12}).getShape());
        assertThrows(IllegalArgumentException.class,
                () -> MotionField.warpSingleLatent(m.zeros(new Shape(2, 4, 8, 8)), new float[] {0, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> MotionField.createMotionFieldAndWarpLatents(1, 1, new int[] {1, 2}, m.zeros(new Shape(3, 4, 8, 8))));
    }
}
