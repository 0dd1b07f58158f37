package ai.t2vzero.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A Stable Diffusion 1.x checkpoint in one file, in the original (latent-diffusion) key layout:
 * {@code model.diffusion_model.*} (UNet), {@code first_stage_model.*} (VAE), {@code cond_stage_model.transformer.*}
 * (CLIP text encoder), as {@code v1-5-pruned-emaonly.safetensors} or a DreamBooth {@code model.ckpt} has them. The
 * file is a safetensors file or a PyTorch zip checkpoint ({@code .ckpt}, {@code .bin}, {@code .pt}, {@code .pth},
 * read by the restricted unpickler), told apart by its content. {@link #bundle()} presents it as a diffusers bundle
 * of the three components, keys mapped by {@link LdmKeyMapping}, so the models load strictly as from a folder.
 *
 * <p>Architecture rule: each component's config is {@code <stem>.config/<component>/config.json} beside the file
 * when present (diffusers' own config files, e.g. copied from a bundle of the same architecture), else Stable
 * Diffusion 1.5's ({@code runwayml/stable-diffusion-v1-5}'s unet, vae and text_encoder configs, shipped in the jar).
 * The tokenizer and the scheduler are not part of such files: the caller takes them from a diffusers bundle.
 */
public final class SingleFileCheckpoint implements AutoCloseable {

    /** File name endings a single-file checkpoint may have. */
    public static final List<String> EXTENSIONS = List.of(".safetensors", ".ckpt", ".bin", ".pt", ".pth");
    public static final List<String> COMPONENTS = List.of("text_encoder", "unet", "vae");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULTS = "ai/t2vzero/presets/sd15/";

    private final Path file;
    private final TensorSource source;
    private final Map<String, ConfigJson> configs;
    private final Map<String, Renamed> components = new LinkedHashMap<>();
    private final List<String> ignored;

    private SingleFileCheckpoint(Path file, TensorSource source, Map<String, ConfigJson> configs) {
        this.file = file;
        this.source = source;
        this.configs = configs;
        LdmKeyMapping.Mapping m = LdmKeyMapping.map(source.keys(), configs.get("unet").getInt("layers_per_block"),
                configs.get("vae").getStringList("up_block_types").size());
        if (!m.unknown().isEmpty()) {
            throw new WeightLoadException(file + " is not a Stable Diffusion 1.x checkpoint in the original layout: "
                    + m.unknown().size() + " keys fit no rule of model.diffusion_model.* / first_stage_model.* / "
                    + "cond_stage_model.transformer.*" + hint(m.unknown()) + ", e.g. "
                    + m.unknown().subList(0, Math.min(10, m.unknown().size())));
        }
        for (String c : COMPONENTS) {
            Map<String, LdmKeyMapping.Source> keys = m.components().get(c);
            if (keys.isEmpty()) {
                boolean ema = c.equals("unet") && m.ignored().stream().anyMatch(k -> k.startsWith(LdmKeyMapping.EMA_PREFIX));
                throw new WeightLoadException(file + " has no " + c + " weights (" + prefix(c) + "*)"
                        + (ema ? "; it has only EMA UNet weights (model_ema.*), and as diffusers 0.27.2 the non-EMA"
                        + " weights are read" : "") + ": a single-file checkpoint holds UNet, VAE and text encoder");
            }
            components.put(c, new Renamed(source, file.getFileName() + " (" + c + ")", keys));
        }
        this.ignored = m.ignored();
    }

    /** Whether {@code name} ends like a checkpoint file (case-insensitive). */
    public static boolean isCheckpointName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** Opens {@code file}, reads its configs and maps its keys (no tensor data is read yet). */
    public static SingleFileCheckpoint open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new WeightLoadException("checkpoint file " + file + " does not exist");
        }
        Map<String, ConfigJson> configs = new LinkedHashMap<>();
        for (String c : COMPONENTS) {
            configs.put(c, config(configDir(file), c));
        }
        TensorSource source = TensorSource.open(file);
        try {
            return new SingleFileCheckpoint(file, source, configs);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** {@code <stem>.config} beside the file: {@code my-model.safetensors} -> {@code my-model.config/}. */
    public static Path configDir(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".config");
    }

    private static ConfigJson config(Path dir, String component) {
        Path p = dir.resolve(component).resolve("config.json");
        if (Files.isRegularFile(p)) {
            return ConfigJson.read(p);
        }
        String resource = DEFAULTS + component + "/config.json";
        try (InputStream in = SingleFileCheckpoint.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new WeightLoadException("missing built-in SD 1.5 config " + resource);
            }
            JsonNode n = JSON.readTree(in);
            return new ConfigJson(n, "Stable Diffusion 1.5 default " + component + "/config.json (no " + p + ")");
        } catch (IOException e) {
            throw new WeightLoadException("cannot read built-in config " + resource + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public ConfigJson config(String component) {
        ConfigJson c = configs.get(component);
        if (c == null) {
            throw new WeightLoadException("a single-file checkpoint has no '" + component + "' component");
        }
        return c;
    }

    /** The diffusers-keyed view of one component ("unet", "vae", "text_encoder"); owned by this checkpoint. */
    public TensorSource component(String component) {
        config(component);
        return components.get(component);
    }

    /** Keys read on purpose from nowhere: {@code model_ema.*} and LDM's schedule buffers. */
    public List<String> ignoredKeys() {
        return ignored;
    }

    /**
     * The checkpoint as a bundle of its three components (for the models' {@code load(bundle, component, ...)}),
     * valid while this checkpoint is open. Loads are strict: missing, mis-shaped and unused keys are named.
     */
    public ModelBundle bundle() {
        return ModelBundle.of(file.toAbsolutePath().getParent(), new ModelBundle.Components() {
            @Override
            public ConfigJson config(String component) {
                return SingleFileCheckpoint.this.config(component);
            }

            @Override
            public WeightStore openStore(String component, NDManager manager, DataType dtype) {
                return WeightStore.over(file.getFileName() + " (" + component + ")", List.of(component(component)),
                        manager, dtype);
            }
        });
    }

    @Override
    public void close() {
        source.close();
    }

    private static String prefix(String component) {
        return switch (component) {
            case "unet" -> LdmKeyMapping.UNET_PREFIX;
            case "vae" -> LdmKeyMapping.VAE_PREFIX;
            default -> LdmKeyMapping.CLIP_PREFIX;
        };
    }

    private static String hint(List<String> unknown) {
        for (String k : unknown) {
            if (k.startsWith("cond_stage_model.model.")) {
                return " (this looks like SD 2.x with an OpenCLIP text encoder, which is not supported)";
            }
            if (k.startsWith("conditioner.")) {
                return " (this looks like SDXL, which is not supported)";
            }
            if (k.startsWith("control_model.")) {
                return " (this looks like an original-layout ControlNet; use a diffusers ControlNet folder)";
            }
            if (k.startsWith("lora_") || k.contains(".lora_")) {
                return " (this looks like a LoRA, which is not a full model)";
            }
        }
        return "";
    }

    /** A component of the file seen under diffusers keys; VAE attention 1x1 convs are viewed as linear weights. */
    private static final class Renamed implements TensorSource {
        private final TensorSource source;
        private final String name;
        private final Map<String, LdmKeyMapping.Source> keys;

        Renamed(TensorSource source, String name, Map<String, LdmKeyMapping.Source> keys) {
            this.source = source;
            this.name = name;
            this.keys = keys;
        }

        @Override
        public String describe() {
            return name;
        }

        @Override
        public Set<String> keys() {
            return keys.keySet();
        }

        @Override
        public long[] shape(String key) {
            LdmKeyMapping.Source s = keys.get(key);
            long[] shape = source.shape(s.key());
            return s.linear() ? linear(shape) : shape;
        }

        /** conv_attn_to_linear: [C, C, 1, 1] (or [C, C, 1]) -> [C, C]; other shapes are left for the size check. */
        private static long[] linear(long[] shape) {
            if (shape.length > 2 && Arrays.stream(shape, 2, shape.length).allMatch(d -> d == 1)) {
                return Arrays.copyOf(shape, 2);
            }
            return shape;
        }

        @Override
        public NDArray load(String key, NDManager manager, DataType dtype) {
            LdmKeyMapping.Source s = keys.get(key);
            NDArray t = source.load(s.key(), manager, dtype);
            if (!s.linear() || t.getShape().dimension() <= 2) {
                return t;
            }
            NDArray r = t.reshape(new Shape(linear(t.getShape().getShape())));
            r.attach(manager);
            if (r != t) {
                t.close();
            }
            return r;
        }

        @Override
        public void close() {
            // the checkpoint closes the file
        }
    }
}
