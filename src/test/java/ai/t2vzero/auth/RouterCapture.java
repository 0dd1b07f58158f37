package ai.t2vzero.auth;

import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Keeps the application's router so that tests can enumerate every route that was installed, whoever installed it. */
@ApplicationScoped
public class RouterCapture {

    private volatile Router router;

    void capture(@Observes @Priority(Integer.MAX_VALUE) Router router) {
        this.router = router;
    }

    public Router router() {
        return router;
    }
}
