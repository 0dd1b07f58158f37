package ai.t2vzero.bundle;

import ai.djl.ndarray.NDManager;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.ops.JobMetrics;
import ai.t2vzero.pipeline.StableDiffusionModels;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.runtime.TorchRuntime;
import ai.t2vzero.weights.ModelBundle;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Model bundles by name: a name is a folder under {@code t2v.models.dir} (a mounted volume on Knative) in diffusers
 * layout. Bundles are loaded on first use, exactly once even when several first requests race (each name has its
 * own lock; other names load in parallel), and kept with their weights in a long-lived manager on the configured
 * device. Names are plain folder names: no separators, no "..", nothing absolute. When the configured default
 * bundle is missing and {@code t2v.models.create-demo} is on, a random-weight demo bundle of the real architecture
 * is written first (logged), so the service works out of the box. Health checks never load anything.
 */
@ApplicationScoped
public class BundleRegistry {

    private static final Logger LOG = Logger.getLogger(BundleRegistry.class);
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    @Inject
    T2vConfig config;

    @Inject
    JobMetrics metrics;

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private volatile DeviceSpec device;

    /** The Stable Diffusion components of bundle {@code name}, loading it on first use. */
    public StableDiffusionModels stableDiffusion(String name, String field) {
        Slot slot = slots.computeIfAbsent(name, n -> new Slot());
        synchronized (slot) {
            if (slot.models == null) {
                slot.models = load(name, field);
            }
            return slot.models;
        }
    }

    /** Number of bundle loads so far (each name loads once). */
    public int loadCount() {
        return loads.get();
    }

    /** Names of the folders on the models volume that look like diffusers bundles (have model_index.json). */
    public List<String> available() {
        Path dir = modelsDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model_index.json")))
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
                    device = DeviceSpec.resolve(config.models().device(), config.models().dtype());
                }
                d = device;
            }
        }
        return d;
    }

    private StableDiffusionModels load(String name, String field) {
        Path dir = bundleDir(name, field);
        if (!Files.isDirectory(dir) && name.equals(config.defaults().model()) && config.models().createDemo()) {
            createDemo(dir);
        }
        if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
            throw new UnknownBundleException(field, "unknown model '" + name + "': no diffusers bundle at " + dir
                    + " (available: " + available() + ")", null);
        }
        DeviceSpec d = device();
        long t = System.nanoTime();
        NDManager manager = NDManager.newBaseManager(d.device());
        try {
            StableDiffusionModels models = StableDiffusionModels.load(name, new ModelBundle(dir), d, manager);
            loads.incrementAndGet();
            metrics.modelLoaded(name, System.nanoTime() - t);
            LOG.infof("loaded model bundle '%s' from %s on %s in %.1f s (%s)", name, dir, d,
                    (System.nanoTime() - t) / 1e9, TorchRuntime.describe());
            return models;
        } catch (WeightLoadException e) {
            manager.close();
            throw new UnknownBundleException(field, "model '" + name + "' cannot be loaded: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The folder of a bundle name, refusing anything that is not a plain folder name. */
    Path bundleDir(String name, String field) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new UnknownBundleException(field, field + " must be a bundle folder name ([A-Za-z0-9._-], no path), got '"
                    + name + "'", null);
        }
        Path root = modelsDir();
        Path dir = root.resolve(name).normalize();
        if (!dir.getParent().equals(root)) {
            throw new UnknownBundleException(field, field + " '" + name + "' is not a folder of the models volume", null);
        }
        return dir;
    }

    private void createDemo(Path dir) {
        LOG.infof("model bundle '%s' not found: writing a random-weight demo bundle (Stable Diffusion 1.x "
                + "architecture at a tiny size) to %s; mount a real diffusers snapshot there for real videos",
                dir.getFileName(), dir);
        try {
            RandomBundleWriter.write("demo", dir, 0);
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
    }

    private static final class Slot {
        StableDiffusionModels models;
    }
}
