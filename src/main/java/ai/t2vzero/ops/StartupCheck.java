package ai.t2vzero.ops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Startup;

/**
 * {@code /q/health/started}: UP once libtorch is loaded and, with {@code t2v.models.preload=true}, the default
 * bundle too. Kubernetes runs readiness and liveness probes only after this one passed.
 */
@Startup
@ApplicationScoped
public class StartupCheck implements HealthCheck {

    @Inject
    Warmup warmup;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("engine").status(warmup.done());
        r.withData("engine", String.valueOf(warmup.engine()));
        r.withData("device", String.valueOf(warmup.device()));
        if (warmup.preloadRequested()) {
            r.withData("preloaded", warmup.preloaded() != null ? warmup.preloaded() : "");
            if (warmup.preloadError() != null) {
                r.withData("preload", "failed"); // the cause is in the log
            }
        }
        return r.build();
    }
}
