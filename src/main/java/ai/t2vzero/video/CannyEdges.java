package ai.t2vzero.video;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.Canny;

/**
 * ControlNet's canny condition, as Text2Video-Zero's {@code utils.pre_process_canny} builds it: OpenCV's
 * {@code cv2.Canny(img, low, high)} on each RGB uint8 frame (3x3 Sobel aperture, L1 gradient norm; on a colour image
 * OpenCV takes, per pixel, the channel with the strongest gradient), then the single-channel edge map (0 or 255)
 * repeated into 3 channels ({@code HWC3}). The result has the input's size and fps.
 */
public final class CannyEdges {

    /** The app's {@code low_threshold=100}. */
    public static final double DEFAULT_LOW_THRESHOLD = 100;
    /** The app's {@code high_threshold=200}. */
    public static final double DEFAULT_HIGH_THRESHOLD = 200;

    private final double lowThreshold;
    private final double highThreshold;

    /** Thresholds 100 and 200. */
    public CannyEdges() {
        this(DEFAULT_LOW_THRESHOLD, DEFAULT_HIGH_THRESHOLD);
    }

    /**
     * @param lowThreshold  gradients above it continue an edge that a strong gradient started
     * @param highThreshold gradients above it start an edge; must be {@code >= lowThreshold}
     */
    public CannyEdges(double lowThreshold, double highThreshold) {
        if (!(lowThreshold >= 0) || Double.isInfinite(highThreshold)) {
            throw new IllegalArgumentException("canny thresholds must be finite and >= 0 (got low=" + lowThreshold
                    + ", high=" + highThreshold + ")");
        }
        if (!(lowThreshold <= highThreshold)) {
            throw new IllegalArgumentException("canny low threshold must be <= high threshold (got low="
                    + lowThreshold + ", high=" + highThreshold + ")");
        }
        this.lowThreshold = lowThreshold;
        this.highThreshold = highThreshold;
    }

    public double lowThreshold() {
        return lowThreshold;
    }

    public double highThreshold() {
        return highThreshold;
    }

    /** Edge frames (RGB24, each pixel 0,0,0 or 255,255,255) of every frame of {@code video}. */
    public VideoFrames apply(VideoFrames video) {
        List<byte[]> out = new ArrayList<>(video.frameCount());
        for (int i = 0; i < video.frameCount(); i++) {
            out.add(toRgb(edgeMap(video.frame(i), video.width(), video.height())));
        }
        return new VideoFrames(video.width(), video.height(), video.fps(), out);
    }

    /**
     * The single-channel edge map ({@code height * width} bytes, 0 or 255) of one RGB24 HWC frame.
     */
    public byte[] edgeMap(byte[] rgb, int width, int height) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("an RGB24 " + width + "x" + height + " frame has " + width * height * 3
                    + " bytes (got " + rgb.length + ")");
        }
        byte[] edges = new byte[width * height];
        try (PointerScope scope = new PointerScope()) { // frees the Mats and their buffers on return
            Mat src = new Mat(height, width, CV_8UC3, new BytePointer(rgb));
            Mat dst = new Mat();
            Canny(src, dst, lowThreshold, highThreshold);
            if (!dst.isContinuous() || dst.rows() != height || dst.cols() != width || dst.channels() != 1) {
                throw new IllegalStateException("unexpected Canny output " + dst.cols() + "x" + dst.rows() + "x"
                        + dst.channels());
            }
            dst.data().get(edges);
        }
        return edges;
    }

    /** {@code HWC3}: one channel repeated into R, G and B. */
    private static byte[] toRgb(byte[] gray) {
        byte[] rgb = new byte[gray.length * 3];
        for (int p = 0, q = 0; p < gray.length; p++, q += 3) {
            rgb[q] = gray[p];
            rgb[q + 1] = gray[p];
            rgb[q + 2] = gray[p];
        }
        return rgb;
    }
}
