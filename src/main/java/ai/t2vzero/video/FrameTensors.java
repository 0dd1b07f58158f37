package ai.t2vzero.video;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link VideoFrames} to and from DJL tensors. Legend: F frames, H height, W width, 3 RGB channels.
 * <ul>
 *   <li>to tensors: uint8 {@code v} becomes float32 {@code v / 255}, in [0, 1];</li>
 *   <li>from tensors: float {@code x} in [0, 1] becomes uint8 {@code round(x * 255)}, rounding halves to even and
 *       clamping to [0, 255], as diffusers' {@code numpy_to_pil} does {@code (images * 255).round().astype("uint8")}
 *       on the pipeline's clamped float32 output.</li>
 * </ul>
 * Returned arrays belong to the given manager (or to the input array's manager); intermediates are closed at once.
 */
public final class FrameTensors {

    private FrameTensors() {}

    /** {@code [F, H, W, 3]} float32 in [0, 1]. */
    public static NDArray toFhwc(VideoFrames video, NDManager manager) {
        int frameBytes = video.frameBytes();
        ByteBuffer all = ByteBuffer.allocateDirect(frameBytes * video.frameCount());
        for (int i = 0; i < video.frameCount(); i++) {
            all.put(video.frameBuffer(i));
        }
        all.flip();
        Shape shape = new Shape(video.frameCount(), video.height(), video.width(), 3);
        try (NDArray u8 = manager.create(all, shape, DataType.UINT8)) {
            return u8.toType(DataType.FLOAT32, false).divi(255f);
        }
    }

    /** {@code [F, 3, H, W]} float32 in [0, 1]: the layout of the VAE and ControlNet inputs. */
    public static NDArray toFchw(VideoFrames video, NDManager manager) {
        try (NDArray fhwc = toFhwc(video, manager)) {
            return fhwc.transpose(0, 3, 1, 2); // [F, H, W, 3] -> [F, 3, H, W]
        }
    }

    /** Frames from a float {@code [F, H, W, 3]} tensor in [0, 1]. */
    public static VideoFrames fromFhwc(NDArray frames, double fps) {
        Shape s = frames.getShape();
        if (s.dimension() != 4 || s.get(3) != 3) {
            throw new IllegalArgumentException("expected [F, H, W, 3] frames, got " + s);
        }
        return fromUint8Fhwc(frames, fps);
    }

    private static VideoFrames fromUint8Fhwc(NDArray fhwc, double fps) {
        if (!fhwc.getDataType().isFloating()) {
            throw new IllegalArgumentException("expected floating-point frames in [0, 1], got " + fhwc.getDataType());
        }
        Shape s = fhwc.getShape();
        int f = Math.toIntExact(s.get(0));
        int h = Math.toIntExact(s.get(1));
        int w = Math.toIntExact(s.get(2));
        byte[] bytes;
        try (NDArray f32 = fhwc.toType(DataType.FLOAT32, true);
             NDArray scaled = f32.mul(255f);
             NDArray rounded = scaled.round(); // half to even, as numpy's round
             NDArray clamped = rounded.clip(0, 255);
             NDArray u8 = clamped.toType(DataType.UINT8, false)) {
            bytes = u8.toByteArray();
        }
        int frameBytes = h * w * 3;
        List<byte[]> frames = new ArrayList<>(f);
        for (int i = 0; i < f; i++) {
            byte[] frame = new byte[frameBytes];
            System.arraycopy(bytes, i * frameBytes, frame, 0, frameBytes);
            frames.add(frame);
        }
        return new VideoFrames(w, h, fps, frames);
    }
}
