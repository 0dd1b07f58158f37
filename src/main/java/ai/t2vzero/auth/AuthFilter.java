package ai.t2vzero.auth;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Set;

/**
 * Bearer-token check in front of every route of the HTTP server: one Vert.x route without a path at order
 * {@link Integer#MIN_VALUE}, installed by the first {@link Router} observer ({@link Priority} 1), so it runs before
 * every other route whatever extension registered it: Funqy functions and CloudEvents, Quarkus REST resources,
 * {@code /uploads} (whose POST route also has order {@code MIN_VALUE}: equal orders run in the order the routes were
 * added, so the upload body is never read before the check), {@code /q/metrics}, and routes other branches add later.
 *
 * <p>Public without a token: the health probes ({@code /q/health} and below), {@code GET|HEAD /artifacts/{id}} (the
 * unguessable id is the capability, and presigned S3 links work without headers too), and GET/HEAD of the web page's
 * own files ({@code /} and paths ending in a static-file extension). Everything else answers
 * {@code 401 {"error":"unauthorized"}} with {@code WWW-Authenticate: Bearer} unless the request carries
 * {@code Authorization: Bearer <one of the tokens>}. With no token configured the filter is not installed.
 */
@ApplicationScoped
public class AuthFilter {

    private static final Logger LOG = Logger.getLogger(AuthFilter.class);
    private static final Set<String> STATIC_EXTENSIONS = Set.of(".html", ".js", ".mjs", ".css", ".ico", ".svg",
            ".png", ".webmanifest", ".map", ".woff2");

    private final BearerTokens tokens;

    @Inject
    public AuthFilter(AuthConfig config) {
        this.tokens = BearerTokens.from(config);
    }

    void install(@Observes @Priority(1) Router router) {
        if (!tokens.enabled()) {
            LOG.info("authentication is off (no t2v.auth.tokens / t2v.auth.tokens-file): every route is open");
            return;
        }
        LOG.infof("bearer-token authentication is on (%d token(s)); public: /q/health*, /artifacts/*, the web page",
                tokens.count());
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    void check(RoutingContext ctx) {
        if (isPublic(ctx.request().method(), ctx.normalizedPath(), ctx.request().getHeader("Ce-Id") != null)
                || tokens.accepts(ctx.request().getHeader("Authorization"))) {
            ctx.next();
            return;
        }
        // the request body is not read: close the connection after the answer rather than drain an upload
        ctx.response().setStatusCode(401)
                .putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer realm=\"t2vzero\"")
                .putHeader("Connection", "close")
                .end(new JsonObject().put("error", "unauthorized").putNull("field")
                        .put("message", ctx.request().getHeader("Authorization") == null
                                ? "this route needs Authorization: Bearer <token>"
                                : "the bearer token is not accepted").encode());
    }

    /**
     * Routes open without a token. {@code path} is the normalized request path (the one routes match on);
     * {@code cloudEvent}: the request carries {@code Ce-Id}, with which Funqy would treat even a GET of {@code /} as
     * an event to dispatch.
     */
    static boolean isPublic(HttpMethod method, String path, boolean cloudEvent) {
        if (path == null) {
            return false;
        }
        if (path.equals("/q/health") || path.startsWith("/q/health/")) {
            return true;
        }
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        if (!read) {
            return false;
        }
        if (path.startsWith("/artifacts/")) {
            return true;
        }
        if (path.equals("/")) {
            return !cloudEvent;
        }
        int dot = path.lastIndexOf('.');
        return dot > path.lastIndexOf('/') && STATIC_EXTENSIONS.contains(path.substring(dot).toLowerCase(Locale.ROOT));
    }
}
