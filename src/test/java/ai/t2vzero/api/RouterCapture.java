package ai.t2vzero.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Test bean: keeps the application's Vert.x router, so that a test can list its routes. */
@ApplicationScoped
public class RouterCapture {

    static volatile Router router;

    void capture(@Observes Router r) {
        router = r;
    }
}
