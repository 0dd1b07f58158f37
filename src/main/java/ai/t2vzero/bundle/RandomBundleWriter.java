package ai.t2vzero.bundle;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.clip.ClipTextModel;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.model.vae.AutoencoderKL;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.SafeTensorsWriter;
import ai.t2vzero.weights.WeightInit;
import ai.t2vzero.weights.WeightStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a random-weight bundle in real diffusers layout, from a preset of real configs shipped in the jar
 * ({@code ai/t2vzero/presets/<preset>/}). Stable Diffusion folders ({@link #write}): {@code demo} (the tiny
 * architecture the app runs out of the box), {@code demo-pix2pix} (the same with InstructPix2Pix's 8-channel UNet
 * and Euler-Ancestral) or {@code sd15} (Stable Diffusion 1.5's full dimensions, for benchmarks without real
 * weights). ControlNet folders ({@link #writeControlNet}): {@code demo-controlnet} (the demo UNet's encoder).
 * The tensor names and shapes are not listed anywhere: each model is built on a generating store and the
 * tensors it asks for are written with our safetensors writer, so the bundle is exactly what our loaders read,
 * and it is then loaded back strictly like any checkpoint. The folder appears atomically (temp dir + rename).
 */
public final class RandomBundleWriter {

    /** Files every SD preset carries besides the weights (the tokenizer vocabulary is shared by all presets). */
    private static final List<String> PRESET_FILES = List.of("model_index.json", "unet/config.json",
            "vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json",
            "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json");
    private static final List<String> TOKENIZER_FILES = List.of("vocab.json", "merges.txt");

    private RandomBundleWriter() {}

    /** A Stable Diffusion folder (model_index.json, unet, vae, text_encoder, tokenizer, scheduler) at {@code target}. */
    public static void write(String preset, Path target, long seed) throws IOException {
        writeAtomically(target, tmp -> {
            copyPreset(preset, tmp);
            writeWeights(tmp, seed);
        });
    }

    /**
     * A single-component ControlNet folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}, the
     * layout of a ControlNet repo such as lllyasviel/sd-controlnet-canny) at {@code target}.
     */
    public static void writeControlNet(String preset, Path target, long seed) throws IOException {
        writeAtomically(target, tmp -> {
            copyResource("ai/t2vzero/presets/" + preset + "/config.json", tmp.resolve("config.json"));
            Engine.getEngine("PyTorch").setRandomSeed((int) seed);
            ModelBundle bundle = ModelBundle.generating(tmp, WeightInit.standard());
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                ControlNetModel.load(bundle, ".", m, DataType.FLOAT32);
                save(bundle, ".", tmp.resolve("diffusion_pytorch_model.safetensors"));
            }
        });
    }

    private interface FolderWriter {
        void write(Path dir) throws IOException;
    }

    /** Writes into a hidden temp folder beside {@code target}, then renames it: the folder appears complete or not at all. */
    private static void writeAtomically(Path target, FolderWriter writer) throws IOException {
        if (Files.exists(target)) {
            throw new IOException(target + " already exists");
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            writer.write(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void copyPreset(String preset, Path dir) throws IOException {
        for (String f : PRESET_FILES) {
            copyResource("ai/t2vzero/presets/" + preset + "/" + f, dir.resolve(f));
        }
        for (String f : TOKENIZER_FILES) {
            copyResource("ai/t2vzero/presets/clip-tokenizer/" + f, dir.resolve("tokenizer").resolve(f));
        }
    }

    private static void writeWeights(Path dir, long seed) throws IOException {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        ModelBundle bundle = ModelBundle.generating(dir, WeightInit.standard());
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            try (NDManager c = m.newSubManager()) {
                ClipTextModel.load(bundle, "text_encoder", c, DataType.FLOAT32);
                save(bundle, "text_encoder", dir.resolve("text_encoder/model.safetensors"));
            }
            try (NDManager c = m.newSubManager()) {
                UNet2DConditionModel.load(bundle, "unet", c, DataType.FLOAT32);
                save(bundle, "unet", dir.resolve("unet/diffusion_pytorch_model.safetensors"));
            }
            try (NDManager c = m.newSubManager()) {
                AutoencoderKL.load(bundle, "vae", c, DataType.FLOAT32);
                save(bundle, "vae", dir.resolve("vae/diffusion_pytorch_model.safetensors"));
            }
        }
    }

    private static void save(ModelBundle bundle, String component, Path file) throws IOException {
        WeightStore store = bundle.generatedStores().get(component);
        Map<String, NDArray> tensors = store.generated();
        SafeTensorsWriter.write(file, tensors, Map.of("format", "pt", "generator", "t2vzero random init"));
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = RandomBundleWriter.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the application");
            }
            Files.createDirectories(to.getParent());
            Files.copy(in, to);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
