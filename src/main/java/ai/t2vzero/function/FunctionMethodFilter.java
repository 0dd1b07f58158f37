package ai.t2vzero.function;

import io.quarkus.funqy.runtime.FunctionInvoker;
import io.quarkus.funqy.runtime.FunctionRecorder;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Functions are invoked by POST only. Funqy also maps {@code GET /<function>?field=value} (and a GET of {@code /}
 * carrying CloudEvent headers) to an invocation, bypassing the JSON body and its strict reading; those answer
 * {@code 405 {"error":"method_not_allowed"}} with {@code Allow: POST}. Installed right after authentication
 * ({@link Priority} 2), before Funqy's routes.
 */
@ApplicationScoped
public class FunctionMethodFilter {

    void install(@Observes @Priority(2) Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    void check(RoutingContext ctx) {
        HttpMethod m = ctx.request().method();
        if ((m == HttpMethod.GET || m == HttpMethod.HEAD) && invokesAFunction(ctx)) {
            ctx.response().setStatusCode(405).putHeader("Allow", "POST").putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", "method_not_allowed").putNull("field")
                            .put("message", "functions take POST with a JSON body (or a CloudEvent), not "
                                    + m.name()).encode());
            return;
        }
        ctx.next();
    }

    private static boolean invokesAFunction(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (path.equals("/")) {
            return ctx.request().getHeader("Ce-Id") != null
                    || String.valueOf(ctx.request().getHeader("Content-Type")).startsWith("application/cloudevents");
        }
        if (FunctionRecorder.registry == null || path.indexOf('/', 1) >= 0) {
            return false;
        }
        String name = path.substring(1);
        for (FunctionInvoker invoker : FunctionRecorder.registry.invokers()) {
            if (invoker.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
