package ai.t2vzero.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.function.Function;
import ai.djl.ndarray.types.DataType;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A diffusers-layout folder: {@code model_index.json} plus one subfolder per component ({@code unet/},
 * {@code vae/}, {@code text_encoder/}, {@code tokenizer/}, {@code scheduler/}, optionally {@code controlnet/}).
 * A folder that is itself a single component (a ControlNet repo: {@code config.json} +
 * {@code diffusion_pytorch_model.safetensors}) is accepted too, as component "." . Weights are safetensors or
 * PyTorch {@code .bin} files (read by the restricted unpickler of {@link TorchZipCheckpoint}), safetensors first.
 * A bundle may also be a view of a single-file checkpoint ({@link #of}), whose {@link Components} supply the
 * configs and weights.
 */
public final class ModelBundle {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final String variant;
    /** Non-null for a bundle being created: models built on it get generated tensors instead of file reads. */
    private final WeightInit generator;
    private final Map<String, WeightStore> generatedStores = new LinkedHashMap<>();
    /** Non-null for a view of a single-file checkpoint: configs and weights come from it, not from subfolders. */
    private final Components components;

    /** Where the configs and weights of components come from when they are not the folder's own files. */
    public interface Components {
        ConfigJson config(String component);

        WeightStore openStore(String component, NDManager manager, DataType dtype);
    }

    /** @param variant weight variant to prefer ("fp16" picks {@code *.fp16.safetensors}), or null. */
    public ModelBundle(Path root, String variant) {
        this(root, variant, null);
    }

    private ModelBundle(Path root, String variant, WeightInit generator) {
        this(root, variant, generator, null);
    }

    private ModelBundle(Path root, String variant, WeightInit generator, Components components) {
        this.components = components;
        this.root = root;
        this.variant = variant;
        this.generator = generator;
        if (!Files.isDirectory(root)) {
            throw new WeightLoadException("model bundle folder " + root + " does not exist");
        }
    }

    public ModelBundle(Path root) {
        this(root, null);
    }

    /**
     * A bundle whose configs are in {@code root} but whose weights do not exist yet: every model loaded from it gets
     * tensors made by {@code init}, collected per component in {@link #generatedStores()} for writing.
     */
    public static ModelBundle generating(Path root, WeightInit init) {
        return new ModelBundle(root, null, init);
    }

    /** A bundle whose components' configs and weights come from {@code components} (a single-file checkpoint). */
    public static ModelBundle of(Path root, Components components) {
        return new ModelBundle(root, null, null, components);
    }

    /** The weight store of one component: its safetensors shards, or a generating store (see {@link #generating}). */
    public WeightStore openStore(String component, NDManager manager, DataType dtype) {
        if (components != null) {
            return components.openStore(component, manager, dtype);
        }
        if (generator != null) {
            WeightStore s = WeightStore.generating(dir(component).toString(), manager, dtype, generator);
            generatedStores.put(component, s);
            return s;
        }
        return new WeightStore(dir(component).toString(), weightFiles(component), manager, dtype);
    }

    /**
     * Builds a model from {@code component} strictly: its weights go to a new sub-manager of {@code manager} (the
     * model's own), {@code build} looks them up through the root scope, and any missing, mis-shaped or unused tensor
     * fails the load, which then frees what was read. The weights are taken out of any NDScope open while loading.
     */
    public <T> T loadStrict(String component, NDManager manager, DataType dtype, Function<WeightScope, T> build) {
        NDManager weights = manager.newSubManager();
        try (WeightStore store = openStore(component, weights, dtype)) {
            T model = build.apply(store.root());
            store.verifyComplete();
            weights.getManagedArrays().forEach(NDScope::unregister);
            return model;
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** Component -> the generating store its model was built on (only for {@link #generating} bundles). */
    public Map<String, WeightStore> generatedStores() {
        return Collections.unmodifiableMap(generatedStores);
    }

    public Path root() {
        return root;
    }

    public JsonNode modelIndex() {
        Path p = root.resolve("model_index.json");
        if (!Files.isRegularFile(p)) {
            throw new WeightLoadException("bundle " + root + " has no model_index.json");
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new WeightLoadException("cannot parse " + p + ": " + e.getMessage(), e);
        }
    }

    public boolean hasComponent(String name) {
        return Files.isDirectory(dir(name));
    }

    public Path dir(String component) {
        return component.equals(".") ? root : root.resolve(component);
    }

    public ConfigJson config(String component) {
        if (components != null) {
            return components.config(component);
        }
        return ConfigJson.read(dir(component).resolve("config.json"));
    }

    public ConfigJson schedulerConfig() {
        return ConfigJson.read(dir("scheduler").resolve("scheduler_config.json"));
    }

    /**
     * The weight file(s) of a component, in the order diffusers picks them: safetensors first (a sharded index
     * {@code *.safetensors.index.json}, else the variant file {@code diffusion_pytorch_model.fp16.safetensors} /
     * {@code model.fp16.safetensors}, else the plain one), then PyTorch pickles the same way
     * ({@code *.bin.index.json}, {@code diffusion_pytorch_model[.fp16].bin}, {@code pytorch_model[.fp16].bin}).
     */
    public List<Path> weightFiles(String component) {
        Path dir = dir(component);
        if (!Files.isDirectory(dir)) {
            throw new WeightLoadException("bundle " + root + " has no '" + component + "' folder");
        }
        List<Path> found = weightFiles(dir, "safetensors", List.of("diffusion_pytorch_model", "model"));
        if (found == null) {
            found = weightFiles(dir, "bin", List.of("diffusion_pytorch_model", "pytorch_model"));
        }
        if (found != null) {
            return found;
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            throw new WeightLoadException("no weights for '" + component + "' in " + dir + " (found " + names
                    + "; expected diffusion_pytorch_model.safetensors / model.safetensors, their .bin forms, or a"
                    + " sharded *.index.json)");
        } catch (IOException e) {
            throw new WeightLoadException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The files of one format ({@code ext}), or null when the folder has none. */
    private List<Path> weightFiles(Path dir, String ext, List<String> stems) {
        for (String stem : stems) {
            List<String> indexes = variant != null
                    ? List.of(stem + "." + ext + ".index." + variant + ".json", stem + "." + variant + "." + ext + ".index.json",
                    stem + "." + ext + ".index.json")
                    : List.of(stem + "." + ext + ".index.json");
            for (String name : indexes) {
                Path idx = dir.resolve(name);
                if (Files.isRegularFile(idx)) {
                    return shards(idx);
                }
            }
        }
        List<String> candidates = new ArrayList<>();
        for (String stem : stems) {
            if (variant != null) {
                candidates.add(stem + "." + variant + "." + ext);
            }
        }
        for (String stem : stems) {
            candidates.add(stem + "." + ext);
        }
        for (String c : candidates) {
            Path p = dir.resolve(c);
            if (Files.isRegularFile(p)) {
                return List.of(p);
            }
        }
        return null;
    }

    private List<Path> shards(Path index) {
        try {
            JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new WeightLoadException(index + " has no weight_map");
            }
            TreeSet<String> files = new TreeSet<>();
            map.fields().forEachRemaining(e -> files.add(e.getValue().asText()));
            List<Path> out = new ArrayList<>();
            for (String f : files) {
                Path p = index.getParent().resolve(f).normalize();
                if (!p.startsWith(index.getParent())) {
                    throw new WeightLoadException(index + " names a shard outside its folder: " + f);
                }
                out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new WeightLoadException("cannot parse " + index + ": " + e.getMessage(), e);
        }
    }
}
