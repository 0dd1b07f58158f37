package ai.t2vzero.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearConv1x1Test {

    @BeforeAll
    static void engine() {
        TorchRuntime.engine();
    }

    @Test
    void theOneByOneConvolutionEqualsTheLinearOnAnyLeadingDimensions() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(48, 40), DataType.FLOAT32);
            NDArray b = m.randomNormal(0, 0.1f, new Shape(48), DataType.FLOAT32);
            Linear matmul = Linear.of(w, b, false);
            Linear conv = Linear.of(w, b, true);
            Linear convNoBias = Linear.of(w, null, true);
            for (Shape shape : new Shape[] {new Shape(7, 40), new Shape(12, 40), new Shape(2, 33, 40), new Shape(2, 3, 5, 40),
                    new Shape(2, 77, 40)}) {
                NDArray x = m.randomNormal(0, 1, shape, DataType.FLOAT32);
                NDArray expected = matmul.forward(x);
                NDArray actual = conv.forward(x);
                assertEquals(expected.getShape(), actual.getShape());
                assertTrue(expected.allClose(actual, 1e-5, 1e-5, false), shape + ": "
                        + expected.sub(actual).abs().max().getFloat());
                NDArray noBias = convNoBias.forward(x);
                assertTrue(expected.sub(b).allClose(noBias, 1e-5, 1e-5, false), shape + " without bias");
            }
            // a non-contiguous input (a transposed view), as attention hands over; a prime row count (the matmul)
            NDArray t = m.randomNormal(0, 1, new Shape(40, 9), DataType.FLOAT32).transpose(1, 0);
            assertTrue(matmul.forward(t).allClose(conv.forward(t), 1e-5, 1e-5, false), "transposed input");
            // the result is independent of the input (in-place updates of it do not touch x)
            NDArray x = m.randomNormal(0, 1, new Shape(4, 40), DataType.FLOAT32);
            NDArray copy = x.duplicate();
            conv.forward(x).addi(1f);
            assertTrue(x.contentEquals(copy));
        }
    }

    @Test
    void choiceFollowsTheSettingAndTheMeasurement() {
        LinearAlgorithm before = LinearAlgorithm.current();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(8, 8), DataType.FLOAT32);
            assertFalse(LinearAlgorithm.MATMUL.takesConv1x1(w));
            assertTrue(LinearAlgorithm.CONV1X1.takesConv1x1(w));
            assertFalse(LinearAlgorithm.CONV1X1.takesConv1x1(w.toType(DataType.FLOAT16, false)), "float32 only");
            LinearSpeed speed = LinearSpeed.on(Device.cpu());
            assertSame(speed, LinearSpeed.on(Device.cpu()), "measured once per process and device");
            assertTrue(speed.matmulMs() > 0 && speed.conv1x1Ms() > 0, speed.toString());
            assertEquals(speed.speedup() >= LinearSpeed.MIN_SPEEDUP, speed.pays());
            assertEquals(speed.pays(), LinearAlgorithm.AUTO.takesConv1x1(w));
            assertTrue(new LinearSpeed(100, 50).pays());
            assertTrue(new LinearSpeed(100, 50).toString().contains("the 1x1 convolution (needs 1.25x)"));
            assertFalse(new LinearSpeed(100, 85).pays(), "1.18x: what a busy machine measured where both run alike");
            assertThrows(IllegalArgumentException.class, () -> LinearAlgorithm.parse("gemm"));
            LinearAlgorithm.set(LinearAlgorithm.CONV1X1);
            Linear bf16 = Linear.of(w.duplicate(), null).withProducts(DataType.BFLOAT16);
            assertEquals(8, bf16.outFeatures(), "a 1x1-convolution layer still turns into a bfloat16 one");
        } finally {
            LinearAlgorithm.set(before);
        }
    }
}
