package ai.t2vzero.ops;

import java.io.IOException;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import ai.t2vzero.artifact.ArtifactStore;
import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.config.T2vConfig;

/**
 * {@code /q/health/ready}: the models volume is mounted, the artifact store takes writes and the work directory has
 * free space. No check loads a bundle (that is the startup check's business, and a job's). Health answers are public
 * (no token): their details are states and counts, never paths or error texts (those are logged).
 */
public final class ReadinessChecks {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ReadinessChecks.class);

    private ReadinessChecks() {}

    /** The models folder ({@code t2v.models.dir}) exists. */
    @Readiness
    @ApplicationScoped
    public static class ModelsVolume implements HealthCheck {

        @Inject
        BundleRegistry bundles;

        @Override
        public HealthCheckResponse call() {
            // states and counts only: no paths (health answers are public)
            boolean present = bundles.volumePresent();
            return HealthCheckResponse.named("models-volume").status(present)
                    .withData("bundles", present ? bundles.available().size() : 0).build();
        }
    }

    /**
     * The artifact store is writable: the local directory exists and is writable, or the S3 bucket answers. The
     * answer is kept for {@link #TTL}, so that probes do not call S3 every few seconds (or pile up while it hangs).
     */
    @Readiness
    @ApplicationScoped
    public static class ArtifactStoreWritable implements HealthCheck {

        static final Duration TTL = Duration.ofSeconds(5);

        @Inject
        ArtifactStore store;

        @Inject
        T2vConfig config;

        private boolean checked;
        private long checkedAt;
        private String error;   // null: writable

        @Override
        public synchronized HealthCheckResponse call() {
            long now = System.nanoTime();
            if (!checked || now - checkedAt > TTL.toNanos()) {
                String before = error;
                try {
                    store.checkWritable();
                    error = null;
                } catch (IOException | RuntimeException e) {
                    error = e.getMessage() != null ? e.getMessage() : e.toString();
                }
                if (error != null && !error.equals(before)) {
                    // the cause goes to the log (redacted), never into the public health answer
                    LOG.warnf("artifact store not writable: %s", error);
                }
                checked = true;
                checkedAt = System.nanoTime();
            }
            return HealthCheckResponse.named("artifact-store").status(error == null)
                    .withData("store", config.artifacts().store().name().toLowerCase()).build();
        }
    }

    /**
     * The work directory's file system has at least {@code t2v.work-dir-min-free} free: below it uploads, downloads
     * and encodes would fail half-way, so the pod takes no new traffic until space comes back.
     */
    @Readiness
    @ApplicationScoped
    public static class WorkDirSpace implements HealthCheck {

        @Inject
        ai.t2vzero.config.WorkDirectory work;

        @Inject
        T2vConfig config;

        @Override
        public HealthCheckResponse call() {
            long min = config.workDirMinFree().asLongValue();
            long free;
            try {
                free = java.nio.file.Files.getFileStore(work.root()).getUsableSpace();
            } catch (IOException e) {
                free = 0;
            }
            return HealthCheckResponse.named("work-dir-space").status(free >= min)
                    .withData("freeBytes", free).withData("minFreeBytes", min).build();
        }
    }
}
