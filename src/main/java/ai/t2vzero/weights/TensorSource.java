package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;
import java.util.Set;

/**
 * Named tensors read lazily from one checkpoint: a safetensors file, a PyTorch zip checkpoint ({@code .bin},
 * {@code .ckpt}, {@code .pt}) read by the restricted unpickler, or a renamed view of either (a single-file SD
 * checkpoint seen as one diffusers component). Shapes are known without reading data; {@link #load} reads one tensor.
 */
public interface TensorSource extends AutoCloseable {

    /** What to name in error messages (the file, or the file and the part of it). */
    String describe();

    /** Tensor names, in file order. */
    Set<String> keys();

    /** The shape of {@code key} as it will be loaded. */
    long[] shape(String key);

    /** The tensor on the manager's device, floating tensors converted to {@code dtype} (integer ones keep theirs). */
    NDArray load(String key, NDManager manager, DataType dtype);

    @Override
    void close();

    /**
     * Opens a weight file by its content, not its name: a zip is a PyTorch checkpoint, anything else must be
     * safetensors (whose header check then fails loudly for what it is not).
     */
    static TensorSource open(Path file) {
        if (TorchZipCheckpoint.looksLikeTorchFile(file)) {
            return TorchZipCheckpoint.open(file);
        }
        return SafeTensorsFile.open(file);
    }
}
