package ai.t2vzero.video;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A short clip held in memory: {@code frameCount()} RGB24 frames of {@code width x height} pixels, each a
 * {@code byte[height * width * 3]} in HWC order (row by row, pixel by pixel, R G B), played at {@code fps}.
 * This is the exchange type between the pipelines and video I/O.
 *
 * <p>Immutable: the constructor copies the frames it is given and {@link #frame(int)} hands out copies;
 * {@link #frameBuffer(int)} is the zero-copy, read-only view for converters.
 */
public final class VideoFrames {

    private final int width;
    private final int height;
    private final double fps;
    private final List<byte[]> frames;

    /**
     * @param frames RGB24 HWC frames, each exactly {@code height * width * 3} bytes; copied
     * @throws IllegalArgumentException on a non-positive size or fps, no frames, or a frame of the wrong length
     */
    public VideoFrames(int width, int height, double fps, List<byte[]> frames) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("frame size must be positive (got " + width + "x" + height + ")");
        }
        if (!(fps > 0) || Double.isInfinite(fps)) {
            throw new IllegalArgumentException("fps must be a positive number (got " + fps + ")");
        }
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("a video needs at least one frame");
        }
        int expected = Math.multiplyExact(Math.multiplyExact(width, height), 3);
        List<byte[]> copies = new ArrayList<>(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            if (f == null || f.length != expected) {
                throw new IllegalArgumentException("frame " + i + " must hold " + height + "x" + width + "x3 = " + expected
                        + " bytes of RGB24 (got " + (f == null ? "null" : f.length) + ")");
            }
            copies.add(f.clone());
        }
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.frames = List.copyOf(copies);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public double fps() {
        return fps;
    }

    public int frameCount() {
        return frames.size();
    }

    /** Bytes in one frame: {@code height * width * 3}. */
    public int frameBytes() {
        return width * height * 3;
    }

    /** A copy of frame {@code index} (RGB24, HWC). */
    public byte[] frame(int index) {
        return frames.get(index).clone();
    }

    /** A read-only view of frame {@code index} (RGB24, HWC), positioned at 0: no copy. */
    public ByteBuffer frameBuffer(int index) {
        return ByteBuffer.wrap(frames.get(index)).asReadOnlyBuffer();
    }

    /** The same frames played at another rate. */
    public VideoFrames withFps(double newFps) {
        return new VideoFrames(width, height, newFps, frames);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof VideoFrames v)) {
            return false;
        }
        if (v.width != width || v.height != height || Double.compare(v.fps, fps) != 0 || v.frames.size() != frames.size()) {
            return false;
        }
        for (int i = 0; i < frames.size(); i++) {
            if (!Arrays.equals(frames.get(i), v.frames.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 31 * (31 * width + height) + Double.hashCode(fps);
        for (byte[] f : frames) {
            h = 31 * h + Arrays.hashCode(f);
        }
        return h;
    }

    @Override
    public String toString() {
        return "VideoFrames[" + frames.size() + " x " + width + "x" + height + " RGB24 @ " + fps + " fps]";
    }
}
