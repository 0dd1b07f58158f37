package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.pipeline.PipelineTrace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Copies every traced intermediate into a test-owned manager (float32 / int64 on the host). */
public final class RecordingTrace implements PipelineTrace {

    private final NDManager manager;
    private final Map<String, List<NDArray>> values = new LinkedHashMap<>();

    public RecordingTrace(NDManager manager) {
        this.manager = manager;
    }

    @Override
    public void record(String name, NDArray value) {
        NDArray copy = value.getDataType() == DataType.INT64
                ? manager.create(value.toLongArray(), value.getShape())
                : manager.create(value.toType(DataType.FLOAT32, false).toFloatArray(), value.getShape());
        NDScope.unregister(copy);   // recorded inside a pipeline step's scope: must outlive it
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(copy);
    }

    /** The single recorded value of {@code name} (the last one when recorded several times). */
    public NDArray last(String name) {
        List<NDArray> l = values.get(name);
        if (l == null || l.isEmpty()) {
            throw new AssertionError("pipeline never traced '" + name + "' (traced: " + values.keySet() + ")");
        }
        return l.get(l.size() - 1);
    }

    /** All values of {@code name} stacked along a new first axis (per-step intermediates). */
    public NDArray stacked(String name) {
        List<NDArray> l = values.get(name);
        if (l == null || l.isEmpty()) {
            throw new AssertionError("pipeline never traced '" + name + "' (traced: " + values.keySet() + ")");
        }
        return NDArrays.stack(new ai.djl.ndarray.NDList(l.toArray(new NDArray[0])));
    }

    public int count(String name) {
        List<NDArray> l = values.get(name);
        return l == null ? 0 : l.size();
    }
}
