package ai.t2vzero.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/** Turns little-endian tensor bytes on the host (a mapped file region or a buffer) into an NDArray of a manager. */
final class HostTensors {

    private HostTensors() {
    }

    /**
     * The tensor {@code bytes} (exactly numel x element size, little-endian, C order) in {@code stored} dtype as an
     * array of {@code manager}, floating data converted to {@code dtype}. The bytes are copied: the caller may unmap.
     */
    static NDArray create(ByteBuffer bytes, long[] shape, DataType stored, NDManager manager, DataType dtype) {
        Shape s = new Shape(shape);
        NDArray raw;
        if (s.size() == 0) {
            raw = manager.zeros(s, stored == DataType.BFLOAT16 ? DataType.FLOAT32 : stored);
        } else {
            ByteBuffer data = bytes.order(ByteOrder.LITTLE_ENDIAN);
            DataType dt = stored;
            if (dt == DataType.BFLOAT16) {
                // DJL 0.36 aborts the JVM when creating a bfloat16 array from a buffer: widen on the host
                // (bf16 is the top half of a float32) and hand over float32.
                data = widenBf16(data);
                dt = DataType.FLOAT32;
            }
            try (NDManager tmp = manager.newSubManager(Device.cpu())) {
                NDArray view = tmp.create(data, s, dt);
                raw = manager.getDevice().isGpu() ? view.toDevice(manager.getDevice(), true) : view.duplicate();
                raw.attach(manager);
            }
        }
        if (raw.getDataType() == dtype || !raw.getDataType().isFloating() || dtype == null) {
            return raw;
        }
        NDArray converted = raw.toType(dtype, false);
        if (converted != raw) {
            raw.close();
        }
        return converted;
    }

    private static ByteBuffer widenBf16(ByteBuffer bf16) {
        ShortBuffer in = bf16.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
        IntBuffer ints = out.asIntBuffer();
        while (in.hasRemaining()) {
            ints.put((in.get() & 0xFFFF) << 16);
        }
        return out;
    }
}
