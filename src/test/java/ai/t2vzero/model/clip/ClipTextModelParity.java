package ai.t2vzero.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.weights.ModelBundle;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Kind {@code text_encoder}: the case's {@code input_ids} through {@link ClipTextModel} (float32) ->
 * last_hidden_state, pooler_output, plus {@code debug/<module>} for each name in {@code params.debug_tensors}.
 */
public final class ClipTextModelParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        Path dir = c.modelDir(); // <bundle>/text_encoder
        ClipTextModel model = ClipTextModel.load(new ModelBundle(dir.getParent()), dir.getFileName().toString(),
                manager, ParityPrecision.products());
        Set<String> wanted = new HashSet<>();
        c.params().path("debug_tensors").forEach(n -> wanted.add(n.asText()));
        Map<String, NDArray> out = new LinkedHashMap<>();
        NDArray inputIds = c.tensor("input_ids", manager);
        ClipTextOutput result = model.forward(inputIds, (name, tensor) -> {
            if (wanted.contains("debug/" + name)) {
                NDArray copy = tensor.duplicate();
                NDScope.unregister(copy);
                out.put("debug/" + name, copy);
            }
        });
        out.put("last_hidden_state", result.lastHiddenState());
        out.put("pooler_output", result.poolerOutput());
        return out;
    }
}
