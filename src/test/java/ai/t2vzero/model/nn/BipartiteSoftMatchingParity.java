package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.testing.CaseChecker;
import ai.t2vzero.testing.ParityCase;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kind {@code token_merging}: tomesd's {@code bipartite_soft_matching_random2d(metric, w, h, sx, sy, r, no_rand)}
 * ({@code params}), replaying the recorded {@code rand_idx} when {@code use_rand}: {@code merged} = merge of
 * {@code x}, {@code unmerged} = unmerge of {@code y} (both in the stable dst order, see the generator).
 */
public final class BipartiteSoftMatchingParity implements CaseChecker {

    @Override
    public Map<String, NDArray> compute(ParityCase c, NDManager manager) {
        JsonNode p = c.params();
        NDArray metric = c.tensor("metric", manager);
        NDArray randIdx = p.path("use_rand").asBoolean() ? c.tensor("rand_idx", manager) : null;
        BipartiteSoftMatching m = BipartiteSoftMatching.random2d(metric, p.path("w").asInt(), p.path("h").asInt(),
                        p.path("sx").asInt(), p.path("sy").asInt(), p.path("r").asLong(), randIdx)
                .orElseThrow(() -> new AssertionError(c.name() + ": nothing merged for r=" + p.path("r")));
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("merged", m.merge(c.tensor("x", manager)));
        out.put("unmerged", m.unmerge(c.tensor("y", manager)));
        return out;
    }
}
