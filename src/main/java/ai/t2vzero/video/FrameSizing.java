package ai.t2vzero.video;

/**
 * The frame size the pipelines work at, from a source video's size: scale so that the longer side is
 * {@code resolution} (default 512), then round each side to the nearest multiple of 64, as Text2Video-Zero's
 * {@code utils.prepare_video} does:
 *
 * <pre>
 * k = float(resolution) / max(h, w)
 * h = int(np.round(h * k / 64.0)) * 64
 * w = int(np.round(w * k / 64.0)) * 64
 * </pre>
 *
 * The arithmetic is the same IEEE double arithmetic, and {@code np.round} rounds halves to even
 * ({@link Math#rint}), so a 640x360 clip becomes 512x256 (288 / 64 = 4.5 rounds to 4), not 512x320; 640x480
 * becomes 512x384, 1920x1080 becomes 512x256, 480x640 becomes 384x512. The aspect ratio is kept up to that rounding.
 */
public final class FrameSizing {

    /** The longer side after resizing, unless a request says otherwise (the app's {@code resolution=512}). */
    public static final int DEFAULT_RESOLUTION = 512;

    /** Both sides become multiples of this: SD's VAE downsamples by 8 and the UNet by 8 more. */
    public static final int MULTIPLE = 64;

    /** A frame size in pixels. */
    public record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    private FrameSizing() {}

    /** {@link #fit(int, int, int)} at {@link #DEFAULT_RESOLUTION}. */
    public static Size fit(int width, int height) {
        return fit(width, height, DEFAULT_RESOLUTION);
    }

    /**
     * @throws IllegalArgumentException if a size is not positive, or the video is so thin that its short side
     *                                  rounds to 0 (the message names both sizes)
     */
    public static Size fit(int width, int height, int resolution) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("video size must be positive (got " + width + "x" + height + ")");
        }
        if (resolution < MULTIPLE) {
            throw new IllegalArgumentException("resolution must be >= " + MULTIPLE + " (got " + resolution + ")");
        }
        double k = (double) resolution / Math.max(height, width);
        int h = (int) Math.rint(height * k / MULTIPLE) * MULTIPLE;
        int w = (int) Math.rint(width * k / MULTIPLE) * MULTIPLE;
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " video is too thin for resolution "
                    + resolution + ": its short side rounds to 0 (each side must reach " + MULTIPLE / 2
                    + " pixels after scaling the long side to " + resolution + ")");
        }
        return new Size(w, h);
    }
}
