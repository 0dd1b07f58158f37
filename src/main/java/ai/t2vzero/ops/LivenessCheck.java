package ai.t2vzero.ops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * {@code /q/health/live}: UP unless the service is shutting down. Deliberately cheap: a generation keeps worker
 * threads and the device busy for minutes, and must not look like a hung process. (The kubelet stops liveness probes
 * of a pod that is terminating, so DOWN during shutdown does not get the container killed mid-job.)
 */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    ServiceState state;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("alive").status(!state.shuttingDown()).build();
    }
}
