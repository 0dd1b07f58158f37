package ai.t2vzero.video;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.runtime.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FrameTensorsTest {

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = TorchRuntime.engine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void fhwcHoldsBytesOver255() {
        VideoFrames v = randomFrames(3, 5, 4, 1);
        try (NDArray t = FrameTensors.toFhwc(v, manager)) {
            assertEquals(new Shape(3, 4, 5, 3), t.getShape());
            assertEquals(DataType.FLOAT32, t.getDataType());
            float[] values = t.toFloatArray();
            for (int f = 0; f < 3; f++) {
                byte[] frame = v.frame(f);
                for (int i = 0; i < frame.length; i++) {
                    assertEquals((frame[i] & 0xff) / 255f, values[f * frame.length + i], 0f);
                }
            }
        }
    }

    @Test
    void fchwIsChannelFirst() {
        VideoFrames v = randomFrames(2, 5, 4, 2);
        try (NDArray t = FrameTensors.toFchw(v, manager)) {
            assertEquals(new Shape(2, 3, 4, 5), t.getShape());
            float[] values = t.toFloatArray();
            for (int f = 0; f < 2; f++) {
                byte[] frame = v.frame(f);
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 4; y++) {
                        for (int x = 0; x < 5; x++) {
                            float expected = (frame[(y * 5 + x) * 3 + c] & 0xff) / 255f;
                            assertEquals(expected, values[((f * 3 + c) * 4 + y) * 5 + x], 0f);
                        }
                    }
                }
            }
        }
    }

    @Test
    void roundTripsExactly() {
        VideoFrames v = randomFrames(3, 6, 4, 3);
        try (NDArray fhwc = FrameTensors.toFhwc(v, manager); NDArray fchw = FrameTensors.toFchw(v, manager)) {
            assertEquals(v, FrameTensors.fromFhwc(fhwc, 4));
            try (NDArray back = fchw.transpose(0, 2, 3, 1)) {                   // [F, 3, H, W] -> [F, H, W, 3]
                assertEquals(v, FrameTensors.fromFhwc(back, 4));
            }
        }
    }

    @Test
    void floatsRoundHalfToEvenAndClamp() {
        // (images * 255).round().astype("uint8") on float32, after the pipeline's clamp(0, 1):
        // the product is float32, numpy rounds halves to even; out-of-range values clamp here
        float[] xs = {0f, 1f, 0.5f, 2.5f / 255f, 3.5f / 255f, 0.1f, 0.999f, 1.2f, -0.3f, 127.5f / 255f, 0.00196f, 0.498f};
        float[] data = new float[xs.length * 3];
        for (int i = 0; i < xs.length; i++) {
            data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = xs[i];
        }
        try (NDArray t = manager.create(data, new Shape(1, 1, xs.length, 3))) {
            byte[] out = FrameTensors.fromFhwc(t, 8).frame(0);
            for (int i = 0; i < xs.length; i++) {
                float scaled = xs[i] * 255f;
                int expected = (int) Math.max(0, Math.min(255, Math.rint(scaled)));
                assertEquals(expected, out[3 * i] & 0xff, "x=" + xs[i] + " x*255=" + scaled);
            }
        }
    }

    @Test
    void exactHalvesGoToTheEvenNeighbour() {
        // float32 values whose product with 255 is exactly 2.5, 4.5, 100.5 and 127.5: numpy gives 2, 4, 100, 128
        float[] xs = {Float.intBitsToFloat(1008771233), Float.intBitsToFloat(1016107153),
                Float.intBitsToFloat(1053411786), 0.5f};
        float[] products = {2.5f, 4.5f, 100.5f, 127.5f};
        int[] expected = {2, 4, 100, 128};
        float[] data = new float[xs.length * 3];
        for (int i = 0; i < xs.length; i++) {
            assertEquals(products[i], xs[i] * 255f, 0f);
            data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = xs[i];
        }
        try (NDArray t = manager.create(data, new Shape(1, 1, xs.length, 3))) {
            byte[] out = FrameTensors.fromFhwc(t, 8).frame(0);
            for (int i = 0; i < xs.length; i++) {
                assertEquals(expected[i], out[3 * i] & 0xff);
            }
        }
    }

    @Test
    void rejectsWrongLayouts() {
        try (NDArray chw = manager.zeros(new Shape(3, 4, 5));
             NDArray ints = manager.zeros(new Shape(1, 4, 5, 3), DataType.UINT8)) {
            assertThrows(IllegalArgumentException.class, () -> FrameTensors.fromFhwc(chw, 4));
            assertThrows(IllegalArgumentException.class, () -> FrameTensors.fromFhwc(ints, 4));
        }
    }

    private static VideoFrames randomFrames(int count, int width, int height, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> frames = new ArrayList<>();
        for (int f = 0; f < count; f++) {
            byte[] b = new byte[width * height * 3];
            rnd.nextBytes(b);
            frames.add(b);
        }
        return new VideoFrames(width, height, 4, frames);
    }
}
