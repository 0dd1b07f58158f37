package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd F(2x2, 3x3) is the same convolution as libtorch's direct one, at the same level of float rounding, for odd
 * and even, square and non-square sides, batch > 1 and in != out, and F(4x4, 3x3) within a few times that rounding;
 * {@link ConvAlgorithm} picks Winograd per layer, the caller allows the large tiles.
 */
class WinogradConv3x3Test {

    @TempDir
    Path dir;

    private final ConvAlgorithm before = ConvAlgorithm.current();

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @AfterEach
    void restore() {
        ConvAlgorithm.set(before);
    }

    @Test
    void equalsTheConvolutionUpToFloatRounding() throws Exception {
        // the last spans two bands of tile rows (the module takes about 1024 tiles at a time)
        long[][] cases = {{2, 6, 10, 8, 12}, {3, 16, 5, 7, 9}, {1, 4, 4, 1, 1}, {2, 3, 7, 2, 5}, {1, 32, 24, 13, 16},
            {1, 4, 6, 70, 66}};
        compareWithDirectAndFloat64(cases, false, 4, 1e-5);
    }

    /**
     * F(4x4, 3x3): sides that are not multiples of 4, batches, in != out, several bands (512 tiles of 4x4 each: the
     * last case); its rounding is a few times the direct convolution's (transforms scale by up to 8 and 1/24).
     */
    @Test
    void largeTilesEqualTheConvolutionWithinTheirRounding() throws Exception {
        long[][] cases = {{2, 6, 10, 8, 12}, {3, 16, 5, 7, 9}, {1, 4, 4, 1, 1}, {2, 3, 7, 2, 5}, {1, 32, 24, 13, 16},
            {1, 4, 6, 142, 70}, {1, 64, 64, 9, 11}};
        compareWithDirectAndFloat64(cases, true, 32, 1e-4);
    }

    private void compareWithDirectAndFloat64(long[][] cases, boolean largeTiles, double timesDirect, double relative)
            throws Exception {
        ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
        for (long[] c : cases) {                                                  // B, in, out, H, W
            try (NDManager m = NDManager.newBaseManager()) {
                WeightStore store = new TestWeights().add("conv.weight", c[2], c[1], 3, 3).add("conv.bias", c[2])
                        .open(dir, m, 0.3f, (int) c[1]);
                Conv2d winograd = Conv2d.load3x3(store.root().child("conv"), c[1], c[2], largeTiles);
                assertTrue(winograd.isWinograd(), "forced WINOGRAD loads the Winograd form");
                assertEquals(largeTiles ? 4 : 2, winograd.winogradTile());
                NDArray w = store.root().child("conv").get("weight", c[2], c[1], 3, 3);
                NDArray b = store.root().child("conv").get("bias", c[2]);
                NDArray x = m.randomNormal(0, 1, new Shape(c[0], c[1], c[3], c[4]), DataType.FLOAT32);

                NDArray actual = winograd.forward(x);
                NDArray direct = Conv2d.of(w, b, 1, 1).forward(x);
                NDArray exact = Conv2d.of(w.toType(DataType.FLOAT64, true), b.toType(DataType.FLOAT64, true), 1, 1)
                        .forward(x.toType(DataType.FLOAT64, true));
                assertEquals(new Shape(c[0], c[2], c[3], c[4]), actual.getShape());
                double ours = actual.toType(DataType.FLOAT64, true).sub(exact).abs().max().getDouble();
                double theirs = direct.toType(DataType.FLOAT64, true).sub(exact).abs().max().getDouble();
                double scale = exact.abs().max().getDouble();
                String at = Arrays.toString(c) + ": |winograd - f64| " + ours + ", |direct - f64| " + theirs;
                assertTrue(ours <= timesDirect * theirs + 1e-6 * scale, at);
                assertTrue(ours <= relative * scale, at);
            }
        }
    }

    @Test
    void autoTakesItForWideFloat32LayersWhereMeasuredFasterOnly() throws Exception {
        ConvAlgorithm.set(ConvAlgorithm.AUTO);
        try (NDManager m = NDManager.newBaseManager()) {
            long wide = ConvAlgorithm.AUTO_MIN_CHANNELS;
            WeightStore store = new TestWeights()
                    .add("narrow.weight", 8, 8, 3, 3).add("narrow.bias", 8)
                    .add("mixed.weight", wide, 8, 3, 3).add("mixed.bias", wide)
                    .add("wide.weight", wide, wide, 3, 3).add("wide.bias", wide)
                    .open(dir, m, 0.1f, 3);
            assertFalse(Conv2d.load3x3(store.root().child("narrow"), 8, 8).isWinograd());
            assertFalse(Conv2d.load3x3(store.root().child("mixed"), 8, wide).isWinograd());
            Conv2d conv = Conv2d.load3x3(store.root().child("wide"), wide, wide);
            // wide enough: auto takes Winograd exactly where it measured faster on this machine, F(4x4) first where
            // the layer allows it
            WinogradSpeed speed = WinogradSpeed.on(Device.cpu());
            boolean f2 = speed.pays(WinogradConv3x3.Tile.F2);
            boolean f4 = speed.pays(WinogradConv3x3.Tile.F4);
            assertEquals(f2, conv.isWinograd(), speed.toString());
            assertEquals(f2 ? 2 : 0, conv.winogradTile());
            Conv2d large = Conv2d.load3x3(store.root().child("wide"), wide, wide, true);
            assertEquals(f4 ? 4 : f2 ? 2 : 0, large.winogradTile(), speed.toString());
            if (conv.isWinograd()) {
                assertThrows(IllegalStateException.class, conv::weight, "the 3x3 weight is released");
            }
            // a literal 3x3 layer (Upsample2D's, whose weight makes its phase filters) stays direct
            assertFalse(Conv2d.load(store.root().child("wide"), wide, wide, 3, 1, 1).isWinograd());

            ConvAlgorithm.set(ConvAlgorithm.DIRECT);
            Conv2d direct = Conv2d.load3x3(store.root().child("wide"), wide, wide);
            assertFalse(direct.isWinograd());
            assertEquals(new Shape(wide, wide, 3, 3), direct.weight().getShape());
        }
    }

    /** Every call's tensors belong to the caller's scope: nothing lands on the weights' manager or stays after it. */
    @Test
    void leavesNothingOnTheWeightsManager() throws Exception {
        ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
        try (NDManager weights = NDManager.newBaseManager()) {
            WeightStore store = new TestWeights().add("conv.weight", 12, 8, 3, 3).add("conv.bias", 12)
                    .open(dir, weights, 0.3f, 5);
            Conv2d small = Conv2d.load3x3(store.root().child("conv"), 8, 12);
            Conv2d large = Conv2d.load3x3(store.root().child("conv"), 8, 12, true);
            int held = weights.getManagedArrays().size();
            for (int i = 0; i < 6; i++) {
                Conv2d conv = i % 2 == 0 ? small : large;
                try (NDManager step = weights.newSubManager()) {
                    NDArray x = step.randomNormal(0, 1, new Shape(2, 8, 9, 6), DataType.FLOAT32);
                    NDArray y = conv.forward(x);
                    assertEquals(step, y.getManager());
                    assertEquals(2, step.getManagedArrays().size(), "only x and the result on the step's scope");
                }
                assertEquals(held, weights.getManagedArrays().size(), "after step " + i);
            }
        }
    }

    @Test
    void namesTheSettingWhenUnknown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvAlgorithm.parse("fft"));
        assertTrue(e.getMessage().contains("t2vzero.conv"), e.getMessage());
    }
}
