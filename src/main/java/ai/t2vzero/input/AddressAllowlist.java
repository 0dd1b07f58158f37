package ai.t2vzero.input;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which non-public addresses a URL fetch (or a webhook) may still reach. Public addresses are always fine; for the
 * others an entry must name the host or the address, and even then the category decides:
 * <ul>
 *   <li>{@code t2v.inputs.allow-hosts} (host names or IP literals) lift only {@link AddressCategory#PRIVATE} and
 *       {@link AddressCategory#CGNAT}: an internal video server, never the node itself or the cloud's metadata
 *       service, even when an allowlisted name resolves there (DNS the operator does not control, a typo);</li>
 *   <li>{@code t2v.inputs.allow-cidrs} (exact ranges such as {@code 10.1.2.0/24}) lift every category of the
 *       addresses inside them except the three below;</li>
 *   <li>{@link AddressCategory#LOOPBACK}, {@link AddressCategory#LINK_LOCAL} (169.254.169.254) and
 *       {@link AddressCategory#UNSPECIFIED} stay refused unless {@code t2v.inputs.allow-unsafe-addresses} names the
 *       category explicitly, and then only for listed hosts or ranges.</li>
 * </ul>
 *
 * @param hosts  lower-case host names or IP literals (IPv6 without brackets)
 * @param cidrs  exact address ranges
 * @param unsafe categories among loopback, link-local and unspecified that listed hosts and ranges may reach
 */
public record AddressAllowlist(Set<String> hosts, List<Cidr> cidrs, Set<AddressCategory> unsafe) {

    /** What a host allowlist entry may lift. */
    static final Set<AddressCategory> LIFTED_BY_HOST = EnumSet.of(AddressCategory.PRIVATE, AddressCategory.CGNAT);
    /** What no entry lifts without {@code t2v.inputs.allow-unsafe-addresses}. */
    static final Set<AddressCategory> UNSAFE = EnumSet.of(AddressCategory.LOOPBACK, AddressCategory.LINK_LOCAL,
            AddressCategory.UNSPECIFIED);

    /** Nothing but public addresses. */
    public static final AddressAllowlist NONE = new AddressAllowlist(Set.of(), List.of(), Set.of());

    public AddressAllowlist {
        hosts = hosts.stream().map(AddressAllowlist::normalizeHost).collect(Collectors.toUnmodifiableSet());
        cidrs = List.copyOf(cidrs);
        for (AddressCategory c : unsafe) {
            if (!UNSAFE.contains(c)) {
                throw new IllegalArgumentException("t2v.inputs.allow-unsafe-addresses takes loopback, link-local and "
                        + "unspecified only (got " + c.label() + ")");
            }
        }
        unsafe = unsafe.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(unsafe));
    }

    /** Hosts only (private and CGNAT addresses). */
    public static AddressAllowlist ofHosts(Collection<String> hosts) {
        return new AddressAllowlist(Set.copyOf(hosts), List.of(), Set.of());
    }

    /** From config values; {@code unsafeLabels} are category labels (loopback, link-local, unspecified). */
    public static AddressAllowlist of(Collection<String> hosts, Collection<String> cidrs, Collection<String> unsafeLabels) {
        Set<AddressCategory> unsafe = EnumSet.noneOf(AddressCategory.class);
        for (String label : unsafeLabels) {
            String l = label.strip().toLowerCase(Locale.ROOT);
            AddressCategory c = UNSAFE.stream().filter(u -> u.label().equals(l)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("t2v.inputs.allow-unsafe-addresses: '" + label
                            + "' is none of loopback, link-local, unspecified"));
            unsafe.add(c);
        }
        return new AddressAllowlist(Set.copyOf(hosts), cidrs.stream().map(Cidr::parse).toList(), unsafe);
    }

    /** Whether a connection to {@code address} (of {@code category}), resolved from {@code host}, is allowed. */
    public boolean permits(String host, InetAddress address, AddressCategory category) {
        if (category == AddressCategory.PUBLIC) {
            return true;
        }
        boolean hostListed = hosts.contains(normalizeHost(host));
        boolean inRange = cidrs.stream().anyMatch(c -> c.contains(address));
        if (UNSAFE.contains(category)) {
            return (hostListed || inRange) && unsafe.contains(category);
        }
        return inRange || (hostListed && LIFTED_BY_HOST.contains(category));
    }

    static String normalizeHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** An address range {@code a.b.c.d/n} or {@code x::y/n}; an address without {@code /n} is a single address. */
    public record Cidr(byte[] network, int prefix) {

        public static Cidr parse(String text) {
            String t = text.strip();
            int slash = t.indexOf('/');
            String addr = slash < 0 ? t : t.substring(0, slash);
            if (!addr.matches("[0-9a-fA-F:.]+")) { // literals only: never a DNS lookup here
                throw new IllegalArgumentException("t2v.inputs.allow-cidrs: '" + text + "' is not an IP range");
            }
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("t2v.inputs.allow-cidrs: '" + text + "' is not an IP range", e);
            }
            int prefix;
            try {
                prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("t2v.inputs.allow-cidrs: bad prefix length in '" + text + "'", e);
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("t2v.inputs.allow-cidrs: prefix of '" + text + "' out of range");
            }
            return new Cidr(bytes, prefix);
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
