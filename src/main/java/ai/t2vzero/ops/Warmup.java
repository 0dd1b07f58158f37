package ai.t2vzero.ops;

import java.io.IOException;
import java.nio.file.Files;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.runtime.TorchRuntime;
import io.quarkus.runtime.StartupEvent;

/**
 * Loads libtorch and resolves the device during startup, before HTTP is served: a process whose engine cannot load
 * fails at once instead of on its first request. With {@code t2v.models.create-demo} on, a missing models folder is
 * created (the demo bundle is written there on first use), so that readiness does not wait for a volume. With {@code t2v.models.preload=true} it then loads the default
 * bundle on a background thread; {@link StartupCheck} reports DOWN until that is done, so that Kubernetes' startup
 * probe (not the first request) waits for the model.
 */
@ApplicationScoped
public class Warmup {

    private static final Logger LOG = Logger.getLogger(Warmup.class);

    @Inject
    T2vConfig config;

    @Inject
    BundleRegistry bundles;

    @Inject
    ai.t2vzero.config.WorkDirectory work;

    private volatile String engine;
    private volatile String device;
    private volatile String preloaded;
    private volatile String preloadError;

    void onStart(@Observes StartupEvent event) {
        // the work directory first: it checks the one writable folder and places the native libraries' caches there
        // (read-only root) before libtorch and JNA load
        work.root();
        long t = System.nanoTime();
        engine = TorchRuntime.describe();
        device = bundles.device().toString();
        LOG.infof("%s loaded in %.1f s; models run on %s", engine, (System.nanoTime() - t) / 1e9, device);
        if (config.models().createDemo() && !bundles.volumePresent()) {
            // the demo bundle gets written there on first use: the service is ready without a mounted volume
            try {
                Files.createDirectories(bundles.modelsDir());
            } catch (IOException e) {
                LOG.warnf("cannot create t2v.models.dir %s (mount the models volume there): %s", bundles.modelsDir(),
                        e.getMessage());
            }
        }
        if (config.models().preload()) {
            Thread thread = new Thread(this::preload, "t2v-preload");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void preload() {
        String name = config.defaults().model();
        try {
            bundles.stableDiffusion(name, "t2v.defaults.model");
            bundles.release(name); // loaded, not held: it may be unloaded later like any idle bundle
            preloaded = name;
        } catch (RuntimeException | Error e) {
            preloadError = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.errorf(e, "preloading model bundle '%s' failed; /q/health/started stays DOWN", name);
        }
    }

    /** "PyTorch 2.7.1" once libtorch is loaded, else null. */
    public String engine() {
        return engine;
    }

    public String device() {
        return device;
    }

    public boolean preloadRequested() {
        return config.models().preload();
    }

    /** The preloaded bundle's name once it is loaded, else null. */
    public String preloaded() {
        return preloaded;
    }

    /** Why preloading failed, or null. */
    public String preloadError() {
        return preloadError;
    }

    /** libtorch is loaded and, if asked for, the default bundle too. */
    public boolean done() {
        return engine != null && (!preloadRequested() || preloaded != null);
    }
}
