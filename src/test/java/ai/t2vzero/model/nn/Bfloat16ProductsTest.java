package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.WeightStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bfloat16 products: linear and convolution layers with bfloat16 weights, float32 in and out, against the float32
 * layers over the same weights. The bound is bfloat16's rounding (2^-8 relative per operand) grown over the
 * reduction; the floor shows that bfloat16 really ran (a float32 path would differ by float32 rounding only).
 */
class Bfloat16ProductsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void linearMatchesFloat32WithinBfloat16Rounding() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (boolean withBias : new boolean[] {true, false}) {
                NDArray w = m.randomNormal(0, 0.1f, new Shape(48, 96), DataType.FLOAT32);
                NDArray b = withBias ? m.randomNormal(0, 1, new Shape(48), DataType.FLOAT32) : null;
                NDArray x = m.randomNormal(0, 1, new Shape(2, 5, 96), DataType.FLOAT32);
                NDArray exact = Linear.of(w.duplicate(), b).forward(x);
                Linear bf16 = Linear.of(w, b).withProducts(DataType.BFLOAT16);
                assertTrue(w.isReleased(), "the float32 weight is released once cast");
                NDArray y = bf16.forward(x);
                assertEquals(DataType.FLOAT32, y.getDataType());
                assertEquals(new Shape(2, 5, 48), y.getShape());
                assertBfloat16Close(exact, y, "linear, bias " + withBias);
            }
        }
    }

    @Test
    void convolutionsOfEveryGeometryMatchFloat32() {
        int[][] cases = {{3, 1, 1}, {3, 2, 1}, {1, 1, 0}, {3, 2, 0}};     // kernel, stride, padding
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                NDArray w = m.randomNormal(0, 0.1f, new Shape(12, 16, c[0], c[0]), DataType.FLOAT32);
                NDArray b = m.randomNormal(0, 1, new Shape(12), DataType.FLOAT32);
                NDArray x = m.randomNormal(0, 1, new Shape(2, 16, 9, 7), DataType.FLOAT32);
                NDArray exact = Conv2d.of(w.duplicate(), b, c[1], c[2]).forward(x);
                Conv2d bf16 = Conv2d.of(w, b, c[1], c[2]).withProducts(DataType.BFLOAT16);
                NDArray y = bf16.forward(x);
                assertEquals(exact.getShape(), y.getShape());
                assertEquals(DataType.FLOAT32, y.getDataType());
                assertBfloat16Close(exact, y, "conv k" + c[0] + " s" + c[1] + " p" + c[2]);
                // a ResNet block adds its time embedding into the conv output in place: not an inference tensor
                y.addi(1f);
                assertThrows(IllegalStateException.class, bf16::weight, "DJL cannot use a bfloat16 weight");
            }
        }
    }

    /** Layers loaded from a store opened for BFLOAT16: float32 tensors, bfloat16 products, Winograd never taken. */
    @Test
    void layersLoadedForBfloat16ProductsCastTheirWeights() throws Exception {
        ConvAlgorithm previous = ConvAlgorithm.set(ConvAlgorithm.WINOGRAD);
        try (NDManager m = NDManager.newBaseManager()) {
            WeightStore store = new TestWeights()
                    .add("conv.weight", 8, 8, 3, 3).add("conv.bias", 8)
                    .add("up.conv.weight", 8, 8, 3, 3).add("up.conv.bias", 8)
                    .add("proj.weight", 6, 8).add("proj.bias", 6)
                    .open(dir, m, 0.2f, 3, DataType.BFLOAT16);
            assertEquals(DataType.FLOAT32, store.dtype(), "activations and loaded tensors stay float32");
            assertEquals(DataType.BFLOAT16, store.products());
            Conv2d conv = Conv2d.load3x3(store.root().child("conv"), 8, 8);
            assertFalse(conv.isWinograd(), "bfloat16 products are direct convolutions");
            NDArray x = m.randomNormal(0, 1, new Shape(1, 8, 6, 5), DataType.FLOAT32);
            NDArray w = store.root().child("conv").get("weight", 8, 8, 3, 3);
            NDArray b = store.root().child("conv").get("bias", 8);
            assertBfloat16Close(Conv2d.of(w, b, 1, 1).forward(x), conv.forward(x), "load3x3");

            // the upsampler derives its phase filters in float32, then casts both forms
            Upsample2D up = Upsample2D.load(store.root().child("up"), 8, 8);
            NDArray uw = store.root().child("up").child("conv").get("weight", 8, 8, 3, 3);
            NDArray ub = store.root().child("up").child("conv").get("bias", 8);
            NDArray literal = Conv2d.of(uw, ub, 1, 1).forward(Upsample2D.nearest(x, null));
            assertBfloat16Close(literal, up.forward(x, null), "upsample phases");
            assertBfloat16Close(Conv2d.of(uw, ub, 1, 1).forward(Upsample2D.nearest(x, new long[] {11, 9})),
                    up.forward(x, new long[] {11, 9}), "upsample literal path");

            Linear proj = Linear.load(store.root().child("proj"), 8, 6, true);
            NDArray t = m.randomNormal(0, 1, new Shape(3, 8), DataType.FLOAT32);
            NDArray pw = store.root().child("proj").get("weight", 6, 8);
            NDArray pb = store.root().child("proj").get("bias", 6);
            assertBfloat16Close(Linear.of(pw, pb).forward(t), proj.forward(t), "Linear.load");
        } finally {
            ConvAlgorithm.set(previous);
        }
    }

    private static void assertBfloat16Close(NDArray exact, NDArray actual, String what) {
        float scale = exact.abs().max().getFloat();
        float diff = actual.sub(exact).abs().max().getFloat();
        assertTrue(diff <= 2e-2f * scale, what + ": max |bf16 - fp32| " + diff + " of " + scale);
        assertTrue(diff >= 1e-5f * scale, what + ": no bfloat16 rounding visible (" + diff + " of " + scale + ")");
    }
}
