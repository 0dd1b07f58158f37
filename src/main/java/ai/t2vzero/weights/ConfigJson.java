package ai.t2vzero.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A component's {@code config.json} with typed, loud accessors: a missing required key or a key of the wrong type
 * is an error naming the key and the file. Model configs map snake_case JSON onto Java names through this class only.
 */
public final class ConfigJson {

    // diffusers writes python's json: -Infinity / NaN appear (DPMSolverMultistepScheduler's lambda_min_clipped)
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final JsonNode root;
    private final String source;

    public ConfigJson(JsonNode root, String source) {
        this.root = root;
        this.source = source;
    }

    public static ConfigJson read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new WeightLoadException("missing config file " + file);
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new WeightLoadException("config " + file + " is not a JSON object");
            }
            return new ConfigJson(n, file.toString());
        } catch (IOException e) {
            throw new WeightLoadException("cannot parse config " + file + ": " + e.getMessage(), e);
        }
    }

    public String source() {
        return source;
    }

    public JsonNode node() {
        return root;
    }

    public boolean has(String key) {
        JsonNode n = root.get(key);
        return n != null && !n.isNull();
    }

    private JsonNode require(String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new WeightLoadException(source + ": required key '" + key + "' is missing");
        }
        return n;
    }

    public int getInt(String key) {
        JsonNode n = require(key);
        if (!n.isIntegralNumber()) {
            throw new WeightLoadException(source + ": '" + key + "' must be an integer, got " + n);
        }
        return n.intValue();
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public double getDouble(String key) {
        JsonNode n = require(key);
        if (!n.isNumber()) {
            throw new WeightLoadException(source + ": '" + key + "' must be a number, got " + n);
        }
        return n.doubleValue();
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean getBool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode n = root.get(key);
        if (!n.isBoolean()) {
            throw new WeightLoadException(source + ": '" + key + "' must be true/false, got " + n);
        }
        return n.booleanValue();
    }

    public String getString(String key) {
        JsonNode n = require(key);
        if (!n.isTextual()) {
            throw new WeightLoadException(source + ": '" + key + "' must be a string, got " + n);
        }
        return n.textValue();
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    public List<Integer> getIntList(String key) {
        JsonNode n = require(key);
        if (!n.isArray()) {
            throw new WeightLoadException(source + ": '" + key + "' must be a list of integers, got " + n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            out.add(e.intValue());
        }
        return out;
    }

    /** An int or a list: returns a list of {@code size} (a scalar is repeated, as diffusers does). */
    public List<Integer> getIntOrList(String key, int size) {
        JsonNode n = require(key);
        List<Integer> out = new ArrayList<>();
        if (n.isIntegralNumber()) {
            for (int i = 0; i < size; i++) {
                out.add(n.intValue());
            }
            return out;
        }
        out = getIntList(key);
        if (out.size() != size) {
            throw new WeightLoadException(source + ": '" + key + "' has " + out.size() + " entries, expected " + size);
        }
        return out;
    }

    public List<String> getStringList(String key) {
        JsonNode n = require(key);
        if (!n.isArray()) {
            throw new WeightLoadException(source + ": '" + key + "' must be a list of strings, got " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            out.add(e.asText());
        }
        return out;
    }

    /**
     * Fails when a flag we do not implement is set to anything but its supported value (absent or null counts as
     * supported): better a clear refusal than a silently different model.
     */
    public void requireUnsupported(String key, Object supported) {
        if (!has(key)) {
            return;
        }
        JsonNode n = root.get(key);
        Object actual = n.isBoolean() ? n.booleanValue() : n.isIntegralNumber() ? n.intValue()
                : n.isNumber() ? n.doubleValue() : n.isTextual() ? n.textValue() : n.toString();
        boolean ok = supported instanceof Number s && actual instanceof Number a
                ? s.doubleValue() == a.doubleValue() : Objects.equals(supported, actual);
        if (!ok) {
            throw new WeightLoadException(source + ": '" + key + "' = " + n + " is not supported (only " + supported + ")");
        }
    }
}
