package ai.t2vzero.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /} (and HEAD) serves the web page. Funqy's Knative binding owns the route {@code /} for every method: it
 * takes CloudEvents (binary: a {@code ce-id} header; structured: {@code application/cloudevents+json}) and plain calls
 * of the default function there, and answers a plain GET with 404 since there are several functions. This route runs
 * before it, only for a GET or HEAD that is not a CloudEvent, and reroutes it to {@code /index.html}, which Quarkus'
 * static resource handler serves from {@code META-INF/resources}. Every other request on {@code /} reaches Funqy
 * as before.
 */
@ApplicationScoped
public class WebPageRoute {

    static final String PAGE = "/index.html";

    void install(@Observes Router router) {
        router.route(HttpMethod.GET, "/").order(Integer.MIN_VALUE).handler(this::page);
        router.route(HttpMethod.HEAD, "/").order(Integer.MIN_VALUE).handler(this::page);
    }

    private void page(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        boolean cloudEvent = ctx.request().getHeader("ce-id") != null
                || (type != null && type.startsWith("application/cloudevents"));
        // only "/" as sent: a path that merely normalizes to "/" (/artifacts/%2e%2e) stays Funqy's 404
        if (cloudEvent || !"/".equals(ctx.request().path())) {
            ctx.next();
        } else {
            ctx.reroute(PAGE);
        }
    }
}
