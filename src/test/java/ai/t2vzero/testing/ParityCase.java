package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.t2vzero.weights.SafeTensorsFile;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One manifest case: its parameters, tolerances, and tensors (loaded on demand from its safetensors file). */
public final class ParityCase {

    private final Reference reference;
    private final JsonNode node;

    ParityCase(Reference reference, JsonNode node) {
        this.reference = reference;
        this.node = node;
    }

    public String name() {
        return node.path("name").asText();
    }

    public String kind() {
        return node.path("kind").asText();
    }

    public JsonNode params() {
        return node.path("params");
    }

    public JsonNode node() {
        return node;
    }

    public Reference reference() {
        return reference;
    }

    /** The case's model directory (null for warp). */
    public Path modelDir() {
        JsonNode m = node.get("model");
        return m == null || m.isNull() ? null : reference.resolve(m.asText());
    }

    public List<String> inputs() {
        return strings("inputs");
    }

    public List<String> outputs() {
        return strings("outputs");
    }

    private List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        node.path(key).forEach(n -> out.add(n.asText()));
        return out;
    }

    public double atol(String output) {
        JsonNode per = node.path("atol_per_output").get(output);
        return per != null && per.isNumber() ? per.asDouble() : node.path("atol").asDouble();
    }

    public double rtol() {
        return node.path("rtol").asDouble();
    }

    public Path file() {
        return reference.resolve(node.path("file").asText());
    }

    /** A tensor of the case file, float32/int64 as stored, owned by {@code manager}. */
    public NDArray tensor(String name, NDManager manager) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file())) {
            return f.load(name, manager);
        }
    }

    public boolean hasTensor(String name) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file())) {
            return f.tensors().containsKey(name);
        }
    }

    public List<String> tensorNames() {
        try (SafeTensorsFile f = SafeTensorsFile.open(file())) {
            return new ArrayList<>(f.tensors().keySet());
        }
    }
}
