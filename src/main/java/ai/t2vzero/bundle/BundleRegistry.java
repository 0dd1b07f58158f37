package ai.t2vzero.bundle;

import ai.djl.ndarray.NDManager;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.errors.ModelUnavailableException;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.nn.Bfloat16Speed;
import ai.t2vzero.pipeline.ModelSource;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.SingleFileCheckpoint;
import ai.t2vzero.weights.WeightLoadException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Model bundles by name: a name is a folder under {@code t2v.models.dir} (a mounted volume on Knative) in diffusers
 * layout. Bundles are loaded on first use, exactly once even when several first requests race (each name has its
 * own lock; other names load in parallel), and kept with their weights in a long-lived manager on the configured
 * device. Two kinds of folders: Stable Diffusion bundles ({@code model_index.json} + components; InstructPix2Pix
 * bundles are the same layout with an 8-channel UNet) and ControlNets (a single component: {@code config.json} +
 * {@code diffusion_pytorch_model.safetensors}, as a ControlNet repo is laid out). Names are plain folder names: no
 * separators, no "..", nothing absolute. When a configured default bundle (t2v.defaults.model,
 * t2v.defaults.pix2pix.model, t2v.defaults.edge.controlnet, t2v.defaults.pose.controlnet) is missing and
 * {@code t2v.models.create-demo} is on, a random-weight demo of the real architecture is written first (logged), so
 * the service works out of the box. A name ending in {@code .safetensors}, {@code .ckpt}, {@code .bin}, {@code .pt}
 * or {@code .pth} is a single-file SD 1.x checkpoint on the volume instead ({@link SingleFileCheckpoint}), cached
 * the same way. Health checks never load anything.
 */
@ApplicationScoped
public class BundleRegistry implements ModelSource {

    private static final Logger LOG = Logger.getLogger(BundleRegistry.class);

    @Inject
    T2vConfig config;

    @Inject
    BundleLoadListener loadListener;

    @Inject
    ai.t2vzero.config.WorkDirectory work;

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final Map<String, ControlNetSlot> controlNetSlots = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private static final String SD = "sd:";
    private static final String CONTROLNET = "controlnet:";
    private LoadFailures failures;
    private ResidentBundles resident;

    @jakarta.annotation.PostConstruct
    void init() {
        failures = new LoadFailures(java.time.Clock.systemUTC(), bundle -> loadListener.failed(bundle));
        resident = new ResidentBundles(config.models().maxResident(), this::unload);
    }
    private volatile DeviceSpec device;

    /**
     * The Stable Diffusion components of bundle {@code name}, loading it on first use; the caller holds it until
     * {@link #release(String)} (a held bundle is never unloaded to make room).
     *
     * @throws InvalidFieldException    400: not a bundle name, or no such bundle
     * @throws ModelUnavailableException 500: the bundle is there but cannot be loaded (or failed recently)
     */
    @Override
    public StableDiffusionModels stableDiffusion(String name, String field) {
        bundleDir(name, field); // a bad name is the caller's error, before anything is remembered
        String key = SD + name;
        failures.check(key, name, field);
        resident.acquire(key);
        Slot slot = slots.computeIfAbsent(name, n -> new Slot());
        boolean held = false;
        try {
            synchronized (slot) {
                if (slot.models == null) {
                    failures.check(key, name, field); // another request failed while this one waited
                    try {
                        slot.models = load(name, field);
                        failures.succeeded(key);
                    } catch (InvalidFieldException e) {
                        throw e;
                    } catch (WeightLoadException | UncheckedIOException | IllegalArgumentException e) {
                        throw failures.failed(key, name, field, e);
                    }
                }
                held = true;
                HELD.get().add(key);
                return slot.models;
            }
        } finally {
            if (!held) {
                resident.release(key);
                if (slot.models == null) {
                    resident.forget(key);
                }
            }
        }
    }

    /** Bundles the current thread's job holds (released together by {@link #releaseHeld}). */
    private static final ThreadLocal<List<String>> HELD = ThreadLocal.withInitial(java.util.ArrayList::new);

    /** Releases every bundle this thread took through {@link #stableDiffusion} / {@link #controlNet}. */
    public void releaseHeld() {
        List<String> held = HELD.get();
        held.forEach(resident::release);
        held.clear();
    }

    /** The caller is done with bundle {@code name} of {@link #stableDiffusion}. */
    public void release(String name) {
        HELD.get().remove(SD + name);
        resident.release(SD + name);
    }

    /**
     * The ControlNet in folder {@code name}, loading it on first use (once, like {@link #stableDiffusion}), with its
     * weights on the configured device, held until {@link #releaseControlNet}. Errors name {@code field}.
     */
    @Override
    public ControlNetModel controlNet(String name, String field) {
        bundleDir(name, field);
        String key = CONTROLNET + name;
        failures.check(key, name, field);
        resident.acquire(key);
        ControlNetSlot slot = controlNetSlots.computeIfAbsent(name, n -> new ControlNetSlot());
        boolean held = false;
        try {
            synchronized (slot) {
                if (slot.model == null) {
                    failures.check(key, name, field);
                    slot.manager = NDManager.newBaseManager(device().device());
                    try {
                        slot.model = loadControlNet(name, field, slot.manager);
                        failures.succeeded(key);
                    } catch (RuntimeException e) {
                        slot.manager.close();
                        slot.manager = null;
                        if (e instanceof InvalidFieldException) {
                            throw e;
                        }
                        if (e instanceof WeightLoadException || e instanceof UncheckedIOException
                                || e instanceof IllegalArgumentException) {
                            throw failures.failed(key, name, field, e);
                        }
                        throw e;
                    }
                }
                held = true;
                HELD.get().add(key);
                return slot.model;
            }
        } finally {
            if (!held) {
                resident.release(key);
                if (slot.model == null) {
                    resident.forget(key);
                }
            }
        }
    }

    /** The caller is done with ControlNet {@code name} of {@link #controlNet}. */
    public void releaseControlNet(String name) {
        HELD.get().remove(CONTROLNET + name);
        resident.release(CONTROLNET + name);
    }

    /** Bundles (SD and ControlNet) in memory or being loaded. */
    public int residentCount() {
        return resident.resident();
    }

    /** Unloads an idle bundle chosen by {@link ResidentBundles}; skipped when it was taken again meanwhile. */
    private void unload(String key) {
        if (key.startsWith(SD)) {
            Slot s = slots.get(key.substring(SD.length()));
            if (s != null) {
                synchronized (s) {
                    if (s.models != null && !resident.isResident(key)) {
                        s.models.manager().close();
                        s.models = null;
                    }
                }
            }
        } else {
            ControlNetSlot s = controlNetSlots.get(key.substring(CONTROLNET.length()));
            if (s != null) {
                synchronized (s) {
                    if (s.manager != null && !resident.isResident(key)) {
                        s.manager.close();
                        s.manager = null;
                        s.model = null;
                    }
                }
            }
        }
    }

    /** Number of bundle loads so far (each name loads once). */
    public int loadCount() {
        return loads.get();
    }

    /** Names of the folders on the models volume that look like diffusers bundles (have model_index.json). */
    public List<String> available() {
        return folders(p -> Files.isRegularFile(p.resolve("model_index.json")));
    }

    /** Names of the folders on the models volume that look like ControlNets (config.json, no model_index.json). */
    public List<String> availableControlNets() {
        return folders(p -> Files.isRegularFile(p.resolve("config.json"))
                && !Files.exists(p.resolve("model_index.json")));
    }

    private List<String> folders(java.util.function.Predicate<Path> kind) {
        Path dir = modelsDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).filter(kind)
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path modelsDir() {
        return config.models().dir().toAbsolutePath().normalize();
    }

    /** Whether the models folder exists (readiness reads this; it never loads a bundle). */
    public boolean volumePresent() {
        return Files.isDirectory(modelsDir());
    }

    public DeviceSpec device() {
        DeviceSpec d = device;
        if (d == null) {
            synchronized (this) {
                if (device == null) {
                    device = DeviceSpec.resolve(config.models().device(), config.models().dtype(),
                            Bfloat16Speed::paysOn);
                }
                d = device;
            }
        }
        return d;
    }

    private StableDiffusionModels load(String name, String field) {
        Path dir = bundleDir(name, field);
        if (SingleFileCheckpoint.isCheckpointName(name)) {
            return loadSingleFile(name, field, dir);
        }
        dir = ensureDemo(name, dir);
        if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
            // names only: the answer goes to callers, the volume's layout is the operator's business
            throw new InvalidFieldException(field, "unknown model '" + name + "': no diffusers bundle of that name "
                    + "on the models volume (available: " + available() + ")", null);
        }
        DeviceSpec d = device();
        long t = System.nanoTime();
        NDManager manager = NDManager.newBaseManager(d.device());
        try {
            StableDiffusionModels models = StableDiffusionModels.load(name, new ModelBundle(dir), d, manager);
            loads.incrementAndGet();
            loadListener.loaded(name, System.nanoTime() - t);
            LOG.infof("loaded model bundle '%s' from %s on %s in %.1f s (%s)", name, dir, d,
                    (System.nanoTime() - t) / 1e9, TorchRuntime.describe());
            return models;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A single-file SD 1.x checkpoint ({@code <name>.safetensors / .ckpt / .bin / .pt / .pth} on the models volume,
     * see {@link SingleFileCheckpoint}): text encoder, UNet and VAE from the file, tokenizer and scheduler from the
     * default bundle ({@code t2v.defaults.model}, which must be a diffusers folder).
     */
    private StableDiffusionModels loadSingleFile(String name, String field, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidFieldException(field, "unknown model '" + name + "': no checkpoint file of that name on the"
                    + " models volume (single files: " + CheckpointFiles.list(modelsDir()) + ")", null);
        }
        String defaultName = config.defaults().model();
        if (SingleFileCheckpoint.isCheckpointName(defaultName)) {
            throw new InvalidFieldException(field, "model '" + name + "' is a single file and takes its tokenizer and"
                    + " scheduler from the default model, but t2v.defaults.model is a single file too", null);
        }
        Path defaults = ensureDemo(defaultName, bundleDir(defaultName, "t2v.defaults.model"));
        DeviceSpec d = device();
        long t = System.nanoTime();
        NDManager manager = NDManager.newBaseManager(d.device());
        try (SingleFileCheckpoint ckpt = SingleFileCheckpoint.open(file)) {
            StableDiffusionModels models = StableDiffusionModels.load(name, ckpt.bundle(), new ModelBundle(defaults), d,
                    manager);
            loads.incrementAndGet();
            loadListener.loaded(name, System.nanoTime() - t);
            LOG.infof("loaded single-file checkpoint '%s' on %s in %.1f s (tokenizer and scheduler of '%s'; %d keys"
                    + " ignored: EMA copy / schedule buffers)", name, d, (System.nanoTime() - t) / 1e9, defaultName,
                    ckpt.ignoredKeys().size());
            return models;
        } catch (RuntimeException e) {
            // a corrupt, truncated or hostile file on the models volume is the operator's error, as a broken folder
            // is: stableDiffusion() turns it into 500 model_unavailable (logged once, backoff)
            manager.close();
            throw e;
        }
    }

    /**
     * The folder to load for {@code name}: {@code dir} itself, or, for a configured default bundle missing there, its
     * random-weight demo (written on first use) under the work directory: the models volume is read-only in a container.
     */
    private Path ensureDemo(String name, Path dir) {
        String preset = demoPreset(name);
        if (Files.isDirectory(dir) || preset == null || !config.models().createDemo()) {
            return dir;
        }
        Path demo = demoDir(name);
        if (!Files.isDirectory(demo)) {
            createDemo(preset, demo);
        }
        return demo;
    }

    /** The folder of a bundle name, refusing anything that is not a plain folder name. */
    Path bundleDir(String name, String field) {
        BundleNames.check(field, name);
        Path root = modelsDir();
        Path dir = root.resolve(name).normalize();
        if (!dir.getParent().equals(root)) {
            throw new InvalidFieldException(field, field + " '" + name + "' is not a folder of the models volume");
        }
        return dir;
    }

    private ControlNetModel loadControlNet(String name, String field, NDManager manager) {
        Path dir = bundleDir(name, field);
        boolean isDefault = name.equals(config.defaults().edge().controlnet())
                || name.equals(config.defaults().pose().controlnet());
        if (!Files.isDirectory(dir) && isDefault && config.models().createDemo()) {
            dir = demoDir(name);
        }
        if (!Files.isDirectory(dir) && isDefault && config.models().createDemo()) {
            LOG.infof("ControlNet '%s' not found: writing a random-weight demo ControlNet (the demo bundle's UNet "
                    + "encoder) to %s; mount a real ControlNet (config.json + diffusion_pytorch_model.safetensors, e.g. "
                    + "lllyasviel/sd-controlnet-canny) there for real videos", name, dir);
            try {
                // each default name gets its own weights: a canny and a pose demo are different networks
                RandomBundleWriter.writeControlNet("demo-controlnet", dir, name.hashCode());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the demo ControlNet to " + dir, e);
            }
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new InvalidFieldException(field, "unknown " + field + " '" + name + "': no ControlNet (config.json +"
                    + " diffusion_pytorch_model.safetensors) of that name on the models volume (available: "
                    + availableControlNets() + ")", null);
        }
        DeviceSpec d = device();
        long t = System.nanoTime();
        // WeightLoadException and the like propagate: controlNet() turns them into model_unavailable
        ControlNetModel model = ControlNetModel.load(new ModelBundle(dir), ".", manager, d.products());
        loads.incrementAndGet();
        LOG.infof("loaded ControlNet '%s' from %s on %s in %.1f s", name, dir, d, (System.nanoTime() - t) / 1e9);
        return model;
    }

    /** Where the random-weight demo of a default bundle name lives when the models folder has no such folder. */
    private Path demoDir(String name) {
        return work.demoModels().resolve(name);
    }

    /** The preset of the demo written for {@code name} when it is a configured default SD bundle, else null. */
    private String demoPreset(String name) {
        if (name.equals(config.defaults().model())) {
            return "demo";
        }
        if (name.equals(config.defaults().pix2pix().model())) {
            return "demo-pix2pix";
        }
        return null;
    }

    private void createDemo(String preset, Path dir) {
        LOG.infof("model bundle '%s' not found: writing a random-weight demo bundle (preset %s: Stable Diffusion 1.x "
                + "architecture at a tiny size) to %s; mount a real diffusers snapshot there for real videos",
                dir.getFileName(), preset, dir);
        try {
            RandomBundleWriter.write(preset, dir, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo bundle to " + dir, e);
        }
    }

    @PreDestroy
    void close() {
        for (Slot s : slots.values()) {
            synchronized (s) {
                if (s.models != null) {
                    s.models.manager().close();
                    s.models = null;
                }
            }
        }
        for (ControlNetSlot s : controlNetSlots.values()) {
            synchronized (s) {
                if (s.manager != null) {
                    s.manager.close();
                    s.manager = null;
                    s.model = null;
                }
            }
        }
    }

    private static final class Slot {
        StableDiffusionModels models;
    }

    private static final class ControlNetSlot {
        NDManager manager;
        ControlNetModel model;
    }
}
