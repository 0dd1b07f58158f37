package ai.t2vzero.input;

/** What an IP address is, as far as deciding whether a server may connect to it goes. */
public enum AddressCategory {
    /** Globally routable unicast: the only category a URL fetch may reach without an allowlist entry. */
    PUBLIC("public"),
    /** 127.0.0.0/8, ::1. */
    LOOPBACK("loopback"),
    /** 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (deprecated site-local). */
    PRIVATE("private"),
    /** 169.254/16 (cloud metadata services live at 169.254.169.254), fe80::/10. */
    LINK_LOCAL("link-local"),
    /** 0.0.0.0 and :: (Linux connects to the local host for both). */
    UNSPECIFIED("unspecified"),
    /** 224/4, ff00::/8. */
    MULTICAST("multicast"),
    /** 100.64/10, carrier-grade NAT shared space (RFC 6598). */
    CGNAT("carrier-grade NAT"),
    /** 255.255.255.255. */
    BROADCAST("broadcast"),
    /**
     * Other special-purpose space from the IANA registries: 0/8, 192.0.0/24, documentation and benchmarking ranges,
     * 192.88.99/24, 240/4, IPv4-compatible IPv6, 64:ff9b:1::/48, 100::/64, 2001::/23 (Teredo included),
     * 2001:db8::/32, 3fff::/20 and IPv6 outside 2000::/3.
     */
    RESERVED("reserved");

    private final String label;

    AddressCategory(String label) {
        this.label = label;
    }

    /** Human-readable name for error messages. */
    public String label() {
        return label;
    }
}
