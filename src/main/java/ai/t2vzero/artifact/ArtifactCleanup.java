package ai.t2vzero.artifact;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import ai.t2vzero.config.T2vConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Deletes artifacts older than {@code t2v.artifacts.retention}, at startup and then every
 * {@code t2v.artifacts.cleanup-interval}, on one daemon thread. A retention of 0 keeps everything.
 */
@ApplicationScoped
public class ArtifactCleanup {

    private static final Logger LOG = Logger.getLogger(ArtifactCleanup.class);

    @Inject
    T2vConfig config;

    @Inject
    ArtifactStore store;

    private ScheduledExecutorService executor;

    void start(@Observes StartupEvent event) {
        Duration retention = config.artifacts().retention();
        Duration interval = config.artifacts().cleanupInterval();
        if (retention.isNegative()) {
            throw new IllegalStateException("t2v.artifacts.retention must be >= 0 (got " + retention + ")");
        }
        if (retention.isZero()) {
            LOG.info("t2v.artifacts.retention=0: artifacts are kept forever");
            return;
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalStateException("t2v.artifacts.cleanup-interval must be > 0 (got " + interval + ")");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "t2v-artifact-cleanup");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::runSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** One pass: deletes what is older than the retention; returns how many artifacts went. */
    public int runOnce() throws IOException {
        Instant cutoff = Instant.now().minus(config.artifacts().retention());
        int n = store.deleteCreatedBefore(cutoff);
        if (n > 0) {
            LOG.infof("deleted %d artifact(s) created before %s", n, cutoff);
        }
        return n;
    }

    private void runSafely() {
        try {
            runOnce();
        } catch (Throwable t) { // keep the schedule alive
            LOG.error("artifact cleanup failed", t);
        }
    }
}
