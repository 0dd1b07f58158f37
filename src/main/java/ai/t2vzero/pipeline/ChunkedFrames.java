package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.nn.NDArrays;

import java.util.ArrayList;
import java.util.List;

/**
 * Assembles the per-chunk results [m, ...] of the chunked engine into the video [F, ...] in frame order: frame 0 is
 * every chunk's cross-frame anchor, so it is kept from the first chunk only. Each part is copied to {@code out} as
 * float32 as soon as it arrives and the chunk's own result is closed, so no chunk's working set outlives it.
 */
final class ChunkedFrames implements AutoCloseable {

    private final NDManager out;
    private final List<NDArray> parts = new ArrayList<>();

    ChunkedFrames(NDManager out) {
        this.out = out;
    }

    /** Adds (and closes) the result of the next chunk (in {@link VideoChunker#chunks} order). */
    void add(NDArray chunkResult) {
        NDArray kept = parts.isEmpty() ? chunkResult : chunkResult.get("1:");   // [m - 1, ...]: drop the anchor
        NDArray f32 = kept.toType(DataType.FLOAT32, false);
        NDArray owned = f32.duplicate();
        owned.attach(out);
        parts.add(owned);
        if (f32 != kept) {
            f32.close();
        }
        if (kept != chunkResult) {
            kept.close();
        }
        chunkResult.close();
    }

    /** The whole video [F, ...], owned by {@code out}. */
    NDArray result() {
        if (parts.size() == 1) {
            return parts.remove(0);
        }
        NDArray all = NDArrays.concat(new NDList(parts.toArray(new NDArray[0])), 0);   // [F, ...] in frame order
        all.attach(out);
        close();
        return all;
    }

    @Override
    public void close() {
        parts.forEach(NDArray::close);
        parts.clear();
    }
}
