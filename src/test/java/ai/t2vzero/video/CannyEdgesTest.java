package ai.t2vzero.video;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.Canny;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CannyEdgesTest {

    private static final int W = 80;
    private static final int H = 60;

    @Test
    void equalsOpenCvCannyOnAColourImage() {
        byte[] rgb = scene();
        byte[] expected = openCvCanny(rgb, W, H, 100, 200);
        byte[] actual = new CannyEdges().edgeMap(rgb, W, H);
        assertArrayEquals(expected, actual);
        int edges = count(actual);
        assertTrue(edges > 100, "the scene has edges: " + edges);

        // the same with other thresholds
        assertArrayEquals(openCvCanny(rgb, W, H, 20, 60), new CannyEdges(20, 60).edgeMap(rgb, W, H));
    }

    @Test
    void framesBecomeThreeChannelEdgeMaps() {
        byte[] rgb = scene();
        VideoFrames video = new VideoFrames(W, H, 4, List.of(rgb, verticalStep(60, 60)));
        VideoFrames edges = new CannyEdges().apply(video);
        assertEquals(2, edges.frameCount());
        assertEquals(4.0, edges.fps(), 0.0);
        byte[] map = new CannyEdges().edgeMap(rgb, W, H);
        byte[] out = edges.frame(0);
        for (int p = 0; p < W * H; p++) {
            int v = map[p] & 0xff;
            assertTrue(v == 0 || v == 255);
            assertEquals(v, out[3 * p] & 0xff);
            assertEquals(v, out[3 * p + 1] & 0xff);
            assertEquals(v, out[3 * p + 2] & 0xff);
        }
    }

    @Test
    void edgesLieOnTheRectangleBoundary() {
        byte[] rgb = new byte[W * H * 3];
        int x0 = 20, x1 = 60, y0 = 15, y1 = 45; // [x0, x1) x [y0, y1) at 200
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int p = (y * W + x) * 3;
                rgb[p] = rgb[p + 1] = rgb[p + 2] = (byte) 200;
            }
        }
        byte[] map = new CannyEdges().edgeMap(rgb, W, H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (map[y * W + x] != 0) {
                    boolean nearVertical = (Math.abs(x - x0) <= 1 || Math.abs(x - (x1 - 1)) <= 1) && y >= y0 - 1 && y <= y1;
                    boolean nearHorizontal = (Math.abs(y - y0) <= 1 || Math.abs(y - (y1 - 1)) <= 1) && x >= x0 - 1 && x <= x1;
                    assertTrue(nearVertical || nearHorizontal, "edge off the boundary at " + x + "," + y);
                }
            }
        }
        // every row of the left side has its edge pixel
        for (int y = y0 + 2; y < y1 - 2; y++) {
            assertTrue(map[y * W + x0 - 1] != 0 || map[y * W + x0] != 0, "left edge missing at row " + y);
        }
    }

    @Test
    void thresholdsAreRespected() {
        // a vertical step of d grey levels: 3x3 Sobel gives |gx| = 4d beside it (L1 norm, gy = 0)
        CannyEdges standard = new CannyEdges(); // 100 / 200
        assertEquals(0, count(standard.edgeMap(verticalStep(20, 20), W, H)), "80 < low");
        assertEquals(0, count(standard.edgeMap(verticalStep(30, 30), W, H)), "120: weak only, nothing strong to follow");
        assertEquals(H, count(standard.edgeMap(verticalStep(60, 60), W, H)), "240 > high: one pixel per row (borders replicate)");
        assertEquals(H, count(new CannyEdges(50, 70).edgeMap(verticalStep(20, 20), W, H)), "80 > 70");
        // hysteresis: the weak lower half (120) continues the strong upper half (240); a sub-low one (80) does not
        byte[] continued = standard.edgeMap(verticalStep(60, 30), W, H);
        byte[] stopped = standard.edgeMap(verticalStep(60, 20), W, H);
        for (int y = 0; y < H; y++) {
            assertTrue(onStepColumn(continued, y), "weak edge continued at row " + y);
            if (y < H / 2 - 1) {
                assertTrue(onStepColumn(stopped, y), "strong edge at row " + y);
            } else if (y > H / 2 + 1) {
                assertTrue(!onStepColumn(stopped, y), "no edge below low threshold at row " + y);
            }
        }
    }

    private static boolean onStepColumn(byte[] map, int y) {
        return map[y * W + W / 2 - 1] != 0 || map[y * W + W / 2] != 0;
    }

    @Test
    void colourEdgesUseTheStrongestChannel() {
        byte[] blueStep = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = W / 2; x < W; x++) {
                blueStep[(y * W + x) * 3 + 2] = (byte) 60;
            }
        }
        assertArrayEquals(new CannyEdges().edgeMap(verticalStep(60, 60), W, H), new CannyEdges().edgeMap(blueStep, W, H));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new CannyEdges(200, 100));
        assertThrows(IllegalArgumentException.class, () -> new CannyEdges(-1, 100));
        assertThrows(IllegalArgumentException.class, () -> new CannyEdges(Double.NaN, 100));
        assertThrows(IllegalArgumentException.class, () -> new CannyEdges().edgeMap(new byte[10], W, H));
    }

    /** Grey step at the middle column: {@code top} levels in the upper half rows, {@code bottom} in the lower. */
    private static byte[] verticalStep(int top, int bottom) {
        byte[] rgb = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            int d = y < H / 2 ? top : bottom;
            for (int x = W / 2; x < W; x++) {
                int p = (y * W + x) * 3;
                rgb[p] = rgb[p + 1] = rgb[p + 2] = (byte) d;
            }
        }
        return rgb;
    }

    /** A coloured rectangle, a disc and a diagonal ramp on a gradient background. */
    private static byte[] scene() {
        byte[] rgb = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int p = (y * W + x) * 3;
                int r = 2 * x, g = 3 * y, b = (x + y) % 50;
                if (x >= 10 && x < 35 && y >= 8 && y < 30) {
                    r = 220; g = 40; b = 90;
                }
                int dx = x - 55, dy = y - 38;
                if (dx * dx + dy * dy < 14 * 14) {
                    r = 30; g = 200; b = 250;
                }
                if (Math.abs(x - y) <= 1) {
                    r = g = b = 255;
                }
                rgb[p] = (byte) r;
                rgb[p + 1] = (byte) g;
                rgb[p + 2] = (byte) b;
            }
        }
        return rgb;
    }

    /** cv2.Canny(img, low, high) called directly. */
    private static byte[] openCvCanny(byte[] rgb, int w, int h, double low, double high) {
        try (PointerScope scope = new PointerScope()) {
            Mat src = new Mat(h, w, CV_8UC3);
            src.data().put(rgb);
            Mat dst = new Mat();
            Canny(src, dst, low, high, 3, false);
            byte[] out = new byte[w * h];
            dst.data().get(out);
            return out;
        }
    }

    private static int count(byte[] map) {
        int n = 0;
        for (byte b : map) {
            if (b != 0) {
                n++;
            }
        }
        return n;
    }
}
