package ai.t2vzero.input;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Limits of one {@link SafeUrlFetcher}.
 *
 * @param allowHosts   lower-case host names or IP literals (IPv6 without brackets) that skip the public-address check
 * @param maxBytes     largest body accepted
 * @param connectTimeout TCP + TLS connect time per address
 * @param readTimeout  longest silence while waiting for headers or body bytes
 * @param totalTimeout whole fetch, redirects included
 * @param maxRedirects redirects followed before giving up
 */
public record FetchPolicy(Set<String> allowHosts, long maxBytes, Duration connectTimeout, Duration readTimeout,
                          Duration totalTimeout, int maxRedirects) {

    public FetchPolicy {
        allowHosts = allowHosts.stream().map(FetchPolicy::normalizeHost).collect(Collectors.toUnmodifiableSet());
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("t2v.inputs.max-bytes must be > 0 (got " + maxBytes + ")");
        }
        requirePositive("t2v.inputs.connect-timeout", connectTimeout);
        requirePositive("t2v.inputs.read-timeout", readTimeout);
        requirePositive("t2v.inputs.total-timeout", totalTimeout);
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("t2v.inputs.max-redirects must be >= 0 (got " + maxRedirects + ")");
        }
    }

    public static FetchPolicy from(InputsConfig config) {
        return new FetchPolicy(Set.copyOf(config.allowHosts().orElse(List.of())), config.maxBytes().asLongValue(),
                config.connectTimeout(), config.readTimeout(), config.totalTimeout(), config.maxRedirects());
    }

    /** True when {@code host} (as written in a URL) is on the allowlist. */
    public boolean allows(String host) {
        return allowHosts.contains(normalizeHost(host));
    }

    static String normalizeHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be > 0 (got " + d + ")");
        }
    }
}
