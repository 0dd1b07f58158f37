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
 * {@code /q/health/ready}: the models volume is mounted and the artifact store takes writes. Neither check loads a
 * bundle (that is the startup check's business, and a job's).
 */
public final class ReadinessChecks {

    private ReadinessChecks() {}

    /** The models folder ({@code t2v.models.dir}) exists. */
    @Readiness
    @ApplicationScoped
    public static class ModelsVolume implements HealthCheck {

        @Inject
        BundleRegistry bundles;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("models-volume").status(bundles.volumePresent())
                    .withData("dir", bundles.modelsDir().toString()).build();
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
                try {
                    store.checkWritable();
                    error = null;
                } catch (IOException | RuntimeException e) {
                    error = e.getMessage() != null ? e.getMessage() : e.toString();
                }
                checked = true;
                checkedAt = System.nanoTime();
            }
            var r = HealthCheckResponse.named("artifact-store").status(error == null)
                    .withData("store", config.artifacts().store().name().toLowerCase());
            if (error != null) {
                r.withData("error", error);
            }
            return r.build();
        }
    }
}
