package ai.t2vzero.video;

import java.util.ArrayList;
import java.util.List;

/** Test clips made in memory: smooth gradients with a moving square, or flat frames whose grey level is their index. */
final class SyntheticFrames {

    private SyntheticFrames() {}

    /**
     * {@code count} frames: red ramps left to right, green top to bottom, blue steps with the frame index, and a
     * white-ish square moves right one eighth of the width per frame. Smooth, so lossy codecs keep it close.
     */
    static VideoFrames movingSquare(int width, int height, double fps, int count) {
        List<byte[]> frames = new ArrayList<>(count);
        int side = Math.max(2, Math.min(width, height) / 4);
        for (int f = 0; f < count; f++) {
            byte[] rgb = new byte[width * height * 3];
            int x0 = (f * width / 8) % Math.max(1, width - side);
            int y0 = (height - side) / 2;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = (y * width + x) * 3;
                    boolean square = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
                    rgb[p] = (byte) (square ? 230 : 30 + 180 * x / Math.max(1, width - 1));
                    rgb[p + 1] = (byte) (square ? 230 : 30 + 180 * y / Math.max(1, height - 1));
                    rgb[p + 2] = (byte) (square ? 230 : (40 + 25 * f) % 200);
                }
            }
            frames.add(rgb);
        }
        return new VideoFrames(width, height, fps, frames);
    }

    /** Flat grey frames, frame {@code i} at level {@code levelStep * i}: a decoded frame tells its source index. */
    static VideoFrames numbered(int width, int height, double fps, int count, int levelStep) {
        List<byte[]> frames = new ArrayList<>(count);
        for (int f = 0; f < count; f++) {
            byte[] rgb = new byte[width * height * 3];
            java.util.Arrays.fill(rgb, (byte) (levelStep * f));
            frames.add(rgb);
        }
        return new VideoFrames(width, height, fps, frames);
    }

    /** Mean absolute difference between two same-size RGB24 frames. */
    static double meanAbsDiff(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }

    /** Mean of all bytes of an RGB24 frame. */
    static double mean(byte[] a) {
        long sum = 0;
        for (byte v : a) {
            sum += v & 0xff;
        }
        return (double) sum / a.length;
    }
}
