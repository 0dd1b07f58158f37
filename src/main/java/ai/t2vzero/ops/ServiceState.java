package ai.t2vzero.ops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Whether the service is shutting down. Quarkus fires {@link ShutdownDelayInitiatedEvent} as the first step of a
 * shutdown (SIGTERM), before it waits up to {@code quarkus.shutdown.timeout} for in-flight requests (this needs
 * {@code quarkus.shutdown.delay-enabled=true}, set in application.properties). From then on new jobs are refused
 * with 503 and liveness reports DOWN, while running jobs finish; requests still reach the app during that wait
 * (Quarkus only closes their connections afterwards), so the refusal has to come from here.
 */
@ApplicationScoped
public class ServiceState {

    private static final Logger LOG = Logger.getLogger(ServiceState.class);

    private volatile boolean shuttingDown;

    void onShutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        markShuttingDown();
    }

    void onShutdown(@Observes ShutdownEvent event) {
        markShuttingDown();
    }

    private void markShuttingDown() {
        if (!shuttingDown) {
            shuttingDown = true;
            LOG.info("shutting down: new jobs are refused (503), running jobs finish");
        }
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }
}
