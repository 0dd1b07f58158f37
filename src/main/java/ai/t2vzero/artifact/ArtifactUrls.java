package ai.t2vzero.artifact;

import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import ai.t2vzero.config.T2vConfig;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The base URL clients reach this service at, for artifact links: {@code t2v.artifacts.public-base-url} when set,
 * else derived from the request: scheme, host and port, overridden by X-Forwarded-Proto, X-Forwarded-Host,
 * X-Forwarded-Port and X-Forwarded-Prefix (first value of each; malformed values are ignored). Forwarded headers
 * are trusted as sent: the URL goes back to the same client, so a forged header only misleads its sender.
 */
@ApplicationScoped
public class ArtifactUrls {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*/?");

    @Inject
    T2vConfig config;

    /** Base URL without trailing slash, e.g. "https://t2v.example.com" or "http://localhost:8080". */
    public String publicBaseUrl(RoutingContext ctx) {
        if (config.artifacts().publicBaseUrl().isPresent()) {
            return stripSlash(config.artifacts().publicBaseUrl().get().toString());
        }
        if (ctx == null) {
            throw new IllegalStateException("no HTTP request to derive artifact URLs from: set t2v.artifacts.public-base-url");
        }
        return fromRequest(ctx.request());
    }

    /** scheme://host[:port][prefix] as the client sees this service. */
    public static String fromRequest(HttpServerRequest request) {
        String scheme = first(request.getHeader("X-Forwarded-Proto"));
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            scheme = request.scheme() != null ? request.scheme() : "http";
        }
        scheme = scheme.toLowerCase(Locale.ROOT);

        String host = first(request.getHeader("X-Forwarded-Host"));
        if (host == null || !HOST.matcher(host).matches()) {
            host = request.getHeader("Host");
            if (host == null || !HOST.matcher(host).matches()) {
                host = request.localAddress().host() + ":" + request.localAddress().port();
            }
        }
        String port = first(request.getHeader("X-Forwarded-Port"));
        if (port != null && PORT.matcher(port).matches()) {
            host = withoutPort(host);
            boolean defaultPort = (scheme.equals("http") && port.equals("80")) || (scheme.equals("https") && port.equals("443"));
            if (!defaultPort) {
                host = host + ":" + port;
            }
        }
        String prefix = first(request.getHeader("X-Forwarded-Prefix"));
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            prefix = "";
        }
        return stripSlash(scheme + "://" + host + prefix);
    }

    /** {@code base + "/artifacts/" + id}. */
    public static String artifactUrl(String publicBaseUrl, String id) {
        return stripSlash(publicBaseUrl) + ArtifactRoutes.PATH_PREFIX + id;
    }

    private static String first(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        String v = (comma >= 0 ? header.substring(0, comma) : header).strip();
        return v.isEmpty() ? null : v;
    }

    private static String withoutPort(String host) {
        int bracket = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        return colon > bracket ? host.substring(0, colon) : host;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
