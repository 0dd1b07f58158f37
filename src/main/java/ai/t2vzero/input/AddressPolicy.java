package ai.t2vzero.input;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Classifies IP addresses so that URL fetches reach only public hosts (SSRF protection).
 *
 * <p>IPv6 addresses that embed an IPv4 address are classified as that IPv4 address: IPv4-mapped
 * {@code ::ffff:a.b.c.d}, NAT64 well-known prefix {@code 64:ff9b::a.b.c.d} and 6to4 {@code 2002:AABB:CCDD::/48}
 * (so {@code ::ffff:127.0.0.1} is loopback and {@code 2002:0a00:0001::} private). IPv6 is public only inside
 * 2000::/3 (global unicast) and outside the special ranges listed on {@link AddressCategory}.
 * Pure functions of the address bytes: nothing here touches the network or DNS.
 */
public final class AddressPolicy {

    private AddressPolicy() {
    }

    /** True when {@code address} is {@link AddressCategory#PUBLIC}. */
    public static boolean isPublic(InetAddress address) {
        return classify(address) == AddressCategory.PUBLIC;
    }

    public static AddressCategory classify(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return classifyV4(b);
        }
        if (address instanceof Inet6Address) {
            return classifyV6(b);
        }
        throw new IllegalArgumentException("unknown address family: " + address);
    }

    /** Classifies 4 bytes of an IPv4 address. */
    static AddressCategory classifyV4(byte[] b) {
        int a0 = b[0] & 0xff, a1 = b[1] & 0xff, a2 = b[2] & 0xff, a3 = b[3] & 0xff;
        if (a0 == 0) {
            return (a1 | a2 | a3) == 0 ? AddressCategory.UNSPECIFIED : AddressCategory.RESERVED; // 0/8 "this network"
        }
        if (a0 == 127) {
            return AddressCategory.LOOPBACK;
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
            return AddressCategory.PRIVATE;
        }
        if (a0 == 169 && a1 == 254) {
            return AddressCategory.LINK_LOCAL;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return AddressCategory.CGNAT;
        }
        if ((a0 & 0xf0) == 224) {
            return AddressCategory.MULTICAST;
        }
        if (a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255) {
            return AddressCategory.BROADCAST;
        }
        if ((a0 & 0xf0) == 240                          // 240/4 reserved for future use
                || (a0 == 192 && a1 == 0 && a2 == 0)     // 192.0.0/24 IETF protocol assignments
                || (a0 == 192 && a1 == 0 && a2 == 2)     // 192.0.2/24 TEST-NET-1
                || (a0 == 198 && a1 == 51 && a2 == 100)  // 198.51.100/24 TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113)   // 203.0.113/24 TEST-NET-3
                || (a0 == 198 && (a1 & 0xfe) == 18)      // 198.18/15 benchmarking
                || (a0 == 192 && a1 == 88 && a2 == 99)) { // 192.88.99/24 deprecated 6to4 relay anycast
            return AddressCategory.RESERVED;
        }
        return AddressCategory.PUBLIC;
    }

    /** Classifies 16 bytes of an IPv6 address. */
    static AddressCategory classifyV6(byte[] b) {
        int w0 = word(b, 0), w1 = word(b, 1);
        if (allZero(b, 0, 10)) {
            int w5 = word(b, 5);
            if (w5 == 0xffff) {
                return classifyV4(slice(b, 12)); // ::ffff:a.b.c.d IPv4-mapped
            }
            if (w5 == 0 && allZero(b, 10, 15)) {
                int last = b[15] & 0xff;
                if (last == 0) {
                    return AddressCategory.UNSPECIFIED; // ::
                }
                if (last == 1) {
                    return AddressCategory.LOOPBACK; // ::1
                }
            }
            return AddressCategory.RESERVED; // ::a.b.c.d IPv4-compatible (deprecated) and the rest of ::/80
        }
        if (w0 == 0x0064 && w1 == 0xff9b) {
            if (allZero(b, 4, 12)) {
                return classifyV4(slice(b, 12)); // 64:ff9b::/96 NAT64 well-known prefix
            }
            return AddressCategory.RESERVED; // 64:ff9b:1::/48 local-use NAT64 and the unassigned rest
        }
        if (w0 == 0x2002) {
            return classifyV4(slice(b, 2)); // 2002::/16 6to4: the IPv4 address is bytes 2..5
        }
        if ((w0 & 0xff00) == 0xff00) {
            return AddressCategory.MULTICAST; // ff00::/8
        }
        if ((w0 & 0xffc0) == 0xfe80) {
            return AddressCategory.LINK_LOCAL; // fe80::/10
        }
        if ((w0 & 0xfe00) == 0xfc00 || (w0 & 0xffc0) == 0xfec0) {
            return AddressCategory.PRIVATE; // fc00::/7 unique local, fec0::/10 site-local
        }
        if ((w0 & 0xe000) != 0x2000) {
            return AddressCategory.RESERVED; // outside 2000::/3 global unicast (100::/64 discard-only included)
        }
        if ((w0 == 0x2001 && (w1 & 0xfe00) == 0)       // 2001::/23 IETF protocol assignments (Teredo 2001::/32)
                || (w0 == 0x2001 && w1 == 0x0db8)        // 2001:db8::/32 documentation
                || (w0 == 0x3fff && (w1 & 0xf000) == 0)) { // 3fff::/20 documentation
            return AddressCategory.RESERVED;
        }
        return AddressCategory.PUBLIC;
    }

    private static int word(byte[] b, int index) {
        return ((b[2 * index] & 0xff) << 8) | (b[2 * index + 1] & 0xff);
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int from) {
        return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
    }
}
