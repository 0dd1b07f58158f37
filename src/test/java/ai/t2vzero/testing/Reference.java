package ai.t2vzero.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden reference set: {@code manifest.json} + {@code cases/*.safetensors} + tiny diffusers checkpoints.
 * Its location is system property {@code t2vzero.reference} (default {@code ../shared/reference}); the same suite
 * runs on any reference directory of the same format. A missing reference set is a failure, never a skip.
 */
public final class Reference {

    public static final String PROPERTY = "t2vzero.reference";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final JsonNode manifest;

    private Reference(Path root, JsonNode manifest) {
        this.root = root;
        this.manifest = manifest;
    }

    /** Property locating this repository's extra set (default {@code src/test/resources/reference-extra}). */
    public static final String EXTRA_PROPERTY = "t2vzero.reference.extra";

    /** The set of {@code -Dt2vzero.reference} (default {@code ../shared/reference}). */
    public static Reference load() {
        return load(Path.of(System.getProperty(PROPERTY, "../shared/reference")));
    }

    /**
     * This repository's own cases ({@code src/test/resources/reference-extra}, read in place: its pipeline cases
     * name the public set's tiny models by a path relative to that folder).
     */
    public static Reference extra() {
        return load(Path.of(System.getProperty(EXTRA_PROPERTY, "src/test/resources/reference-extra")));
    }

    /** Property locating this repository's token-merging set (default {@code src/test/resources/reference-tome}). */
    public static final String TOME_PROPERTY = "t2vzero.reference.tome";

    /**
     * This repository's token-merging cases against tomesd 0.1.3 ({@code src/test/resources/reference-tome}, read in
     * place like {@link #extra()}; {@code tools/reference/make_tome_reference.py} made them).
     */
    public static Reference tome() {
        return load(Path.of(System.getProperty(TOME_PROPERTY, "src/test/resources/reference-tome")));
    }

    /** Property locating this repository's trailing-spacing set (default {@code src/test/resources/reference-trailing}). */
    public static final String TRAILING_PROPERTY = "t2vzero.reference.trailing";

    /**
     * This repository's scheduler chains with timestep_spacing "trailing" at step counts that yield a timestep -1
     * ({@code src/test/resources/reference-trailing}, made by {@code tools/reference/make_trailing_reference.py}).
     */
    public static Reference trailing() {
        return load(Path.of(System.getProperty(TRAILING_PROPERTY, "src/test/resources/reference-trailing")));
    }

    public static Reference load(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        Path m = root.resolve("manifest.json");
        if (!Files.isRegularFile(m)) {
            throw new AssertionError("reference set not found: " + m + " (set -D" + PROPERTY + "=<dir>)");
        }
        try {
            JsonNode manifest = JSON.readTree(m.toFile());
            int version = manifest.path("format_version").asInt(-1);
            if (version != 1) {
                throw new AssertionError("reference manifest format_version " + version + " (expected 1). HINT: this "
                        + "suite reads format 1; regenerate the reference or update the suite");
            }
            return new Reference(root, manifest);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + m + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public JsonNode manifest() {
        return manifest;
    }

    public List<ParityCase> cases() {
        List<ParityCase> out = new ArrayList<>();
        for (JsonNode c : manifest.path("cases")) {
            out.add(new ParityCase(this, c));
        }
        return out;
    }

    /** A path inside the reference set (e.g. a case's {@code model}). */
    public Path resolve(String relative) {
        return root.resolve(relative);
    }

    /** A model directory by role ("sd15", "controlnet", "pix2pix_unet", "schedulers"). */
    public Path model(String role) {
        JsonNode m = manifest.path("models").get(role);
        if (m == null) {
            throw new AssertionError("manifest has no model role '" + role + "'");
        }
        return root.resolve(m.asText());
    }
}
