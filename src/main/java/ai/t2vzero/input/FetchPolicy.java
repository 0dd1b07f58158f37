package ai.t2vzero.input;

import java.time.Duration;
import java.util.List;

/**
 * Limits of one {@link SafeUrlFetcher}.
 *
 * @param allowlist    the non-public addresses that may still be reached (see {@link AddressAllowlist})
 * @param maxBytes     largest body accepted
 * @param connectTimeout TCP + TLS connect time per address
 * @param readTimeout  longest silence while waiting for headers or body bytes
 * @param totalTimeout whole fetch, redirects included
 * @param maxRedirects redirects followed before giving up
 */
public record FetchPolicy(AddressAllowlist allowlist, long maxBytes, Duration connectTimeout, Duration readTimeout,
                          Duration totalTimeout, int maxRedirects) {

    public FetchPolicy {
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
        AddressAllowlist allowlist = AddressAllowlist.of(config.allowHosts().orElse(List.of()),
                config.allowCidrs().orElse(List.of()), config.allowUnsafeAddresses().orElse(List.of()));
        return new FetchPolicy(allowlist, config.maxBytes().asLongValue(),
                config.connectTimeout(), config.readTimeout(), config.totalTimeout(), config.maxRedirects());
    }

    static String normalizeHost(String host) {
        return AddressAllowlist.normalizeHost(host);
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be > 0 (got " + d + ")");
        }
    }
}
