package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ForwardHook} that copies the outputs of the modules a case lists in {@code params.debug_tensors}
 * ({@code debug/<module>}) into {@code manager}, for the parity suite's debug trail.
 */
public final class DebugCapture implements ForwardHook {

    private final NDManager manager;
    private final Set<String> wanted = new HashSet<>();
    private final Map<String, NDArray> captured = new LinkedHashMap<>();

    public DebugCapture(NDManager manager, JsonNode params) {
        this.manager = manager;
        for (JsonNode n : params.path("debug_tensors")) {
            wanted.add(n.asText());
        }
    }

    @Override
    public void onOutput(String module, NDArray output) {
        String key = "debug/" + module;
        if (wanted.contains(key) && !captured.containsKey(key)) {
            NDArray copy = output.duplicate();
            NDScope.unregister(copy);
            copy.attach(manager);
            captured.put(key, copy);
        }
    }

    /** {@code debug/<module>} -> copy, in the order the forward produced them. */
    public Map<String, NDArray> captured() {
        return captured;
    }
}
