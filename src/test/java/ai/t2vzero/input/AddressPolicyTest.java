package ai.t2vzero.input;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Classification only: addresses are built from literal bytes, nothing is resolved or contacted. */
class AddressPolicyTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // loopback 127/8
            "127.0.0.1, LOOPBACK", "127.255.255.254, LOOPBACK", "127.1.2.3, LOOPBACK",
            // RFC 1918 and their edges
            "10.0.0.0, PRIVATE", "10.255.255.255, PRIVATE", "9.255.255.255, PUBLIC", "11.0.0.0, PUBLIC",
            "172.16.0.0, PRIVATE", "172.31.255.255, PRIVATE", "172.15.255.255, PUBLIC", "172.32.0.0, PUBLIC",
            "192.168.0.0, PRIVATE", "192.168.255.255, PRIVATE", "192.167.255.255, PUBLIC", "192.169.0.0, PUBLIC",
            // link-local, the metadata address included
            "169.254.0.0, LINK_LOCAL", "169.254.169.254, LINK_LOCAL", "169.254.255.255, LINK_LOCAL",
            "169.253.255.255, PUBLIC", "169.255.0.0, PUBLIC",
            // unspecified and the rest of 0/8
            "0.0.0.0, UNSPECIFIED", "0.0.0.1, RESERVED", "0.255.255.255, RESERVED",
            // CGNAT 100.64/10
            "100.64.0.0, CGNAT", "100.127.255.255, CGNAT", "100.63.255.255, PUBLIC", "100.128.0.0, PUBLIC",
            // multicast 224/4
            "224.0.0.1, MULTICAST", "239.255.255.255, MULTICAST", "223.255.255.255, PUBLIC",
            // broadcast and 240/4
            "255.255.255.255, BROADCAST", "240.0.0.0, RESERVED", "255.255.255.254, RESERVED",
            // special-purpose: IETF, documentation, benchmarking, 6to4 relay
            "192.0.0.8, RESERVED", "192.0.2.1, RESERVED", "198.51.100.7, RESERVED", "203.0.113.9, RESERVED",
            "198.18.0.1, RESERVED", "198.19.255.255, RESERVED", "198.17.255.255, PUBLIC", "198.20.0.0, PUBLIC",
            "192.88.99.1, RESERVED", "192.0.1.1, PUBLIC",
            // ordinary public addresses
            "8.8.8.8, PUBLIC", "1.1.1.1, PUBLIC", "93.184.216.34, PUBLIC", "223.5.5.5, PUBLIC",
    })
    void classifiesIpv4(String address, AddressCategory expected) throws UnknownHostException {
        InetAddress a = v4(address);
        assertEquals(expected, AddressPolicy.classify(a));
        assertEquals(expected == AddressCategory.PUBLIC, AddressPolicy.isPublic(a));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // loopback, unspecified
            "0000:0000:0000:0000:0000:0000:0000:0001, LOOPBACK",
            "0000:0000:0000:0000:0000:0000:0000:0000, UNSPECIFIED",
            // unique local fc00::/7, deprecated site-local fec0::/10
            "fc00:0000:0000:0000:0000:0000:0000:0001, PRIVATE", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, PRIVATE",
            "fec0:0000:0000:0000:0000:0000:0000:0001, PRIVATE", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, PRIVATE",
            // link-local fe80::/10
            "fe80:0000:0000:0000:0000:0000:0000:0001, LINK_LOCAL", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff, LINK_LOCAL",
            // multicast ff00::/8
            "ff02:0000:0000:0000:0000:0000:0000:0001, MULTICAST", "ff0e:0000:0000:0000:0000:0000:0000:0101, MULTICAST",
            // NAT64 well-known prefix 64:ff9b::/96 embeds IPv4
            "0064:ff9b:0000:0000:0000:0000:7f00:0001, LOOPBACK", "0064:ff9b:0000:0000:0000:0000:a9fe:a9fe, LINK_LOCAL",
            "0064:ff9b:0000:0000:0000:0000:0a00:0001, PRIVATE", "0064:ff9b:0000:0000:0000:0000:0808:0808, PUBLIC",
            // local-use NAT64 64:ff9b:1::/48
            "0064:ff9b:0001:0000:0000:0000:0808:0808, RESERVED",
            // 6to4 2002::/16 embeds IPv4 in bytes 2..5
            "2002:7f00:0001:0000:0000:0000:0000:0001, LOOPBACK", "2002:c0a8:0101:0000:0000:0000:0000:0001, PRIVATE",
            "2002:a9fe:a9fe:0000:0000:0000:0000:0001, LINK_LOCAL", "2002:6440:0001:0000:0000:0000:0000:0001, CGNAT",
            "2002:0000:0000:0000:0000:0000:0000:0001, UNSPECIFIED", "2002:0808:0808:0000:0000:0000:0000:0001, PUBLIC",
            // IPv4-compatible (deprecated) ::a.b.c.d
            "0000:0000:0000:0000:0000:0000:0808:0808, RESERVED", "0000:0000:0000:0000:0000:0000:7f00:0001, RESERVED",
            // Teredo and other 2001::/23, documentation 2001:db8::/32 and 3fff::/20, discard-only 100::/64
            "2001:0000:4136:e378:8000:63bf:3fff:fdd2, RESERVED", "2001:0002:0000:0000:0000:0000:0000:0001, RESERVED",
            "2001:0db8:0000:0000:0000:0000:0000:0001, RESERVED", "3fff:0fff:0000:0000:0000:0000:0000:0001, RESERVED",
            "0100:0000:0000:0000:0000:0000:0000:0001, RESERVED",
            // outside 2000::/3
            "4000:0000:0000:0000:0000:0000:0000:0001, RESERVED", "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, RESERVED",
            // global unicast
            "2001:4860:4860:0000:0000:0000:0000:8888, PUBLIC", "2606:4700:4700:0000:0000:0000:0000:1111, PUBLIC",
            "2001:0200:0000:0000:0000:0000:0000:0001, PUBLIC", "3ffe:0000:0000:0000:0000:0000:0000:0001, PUBLIC",
            "2a00:1450:4001:0000:0000:0000:0000:200e, PUBLIC",
    })
    void classifiesIpv6(String address, AddressCategory expected) throws UnknownHostException {
        InetAddress a = v6(address);
        assertInstanceOf(Inet6Address.class, a);
        assertEquals(expected, AddressPolicy.classify(a));
        assertEquals(expected == AddressCategory.PUBLIC, AddressPolicy.isPublic(a));
    }

    @ParameterizedTest(name = "::ffff:{0} -> {1}")
    @CsvSource({
            "127.0.0.1, LOOPBACK", "10.1.2.3, PRIVATE", "169.254.169.254, LINK_LOCAL", "0.0.0.0, UNSPECIFIED",
            "100.64.0.1, CGNAT", "224.0.0.1, MULTICAST", "255.255.255.255, BROADCAST", "8.8.8.8, PUBLIC",
    })
    void classifiesIpv4MappedAsItsIpv4(String ipv4, AddressCategory expected) throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4(ipv4).getAddress(), 0, mapped, 12, 4);
        // the JDK turns ::ffff:a.b.c.d into an Inet4Address; the byte-level path must agree with it
        InetAddress viaJdk = InetAddress.getByAddress(mapped);
        assertEquals(expected, AddressPolicy.classify(viaJdk));
        assertEquals(expected, AddressPolicy.classifyV6(mapped));
        // and a genuine Inet6Address holding the mapped bytes (as some resolvers return) is classified the same way
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(expected, AddressPolicy.classify(v6));
    }

    @Test
    void scopedLinkLocalIsNotPublic() throws UnknownHostException {
        Inet6Address scoped = Inet6Address.getByAddress(null, v6("fe80:0000:0000:0000:0000:0000:0000:0001").getAddress(), 1);
        assertEquals(AddressCategory.LINK_LOCAL, AddressPolicy.classify(scoped));
        assertFalse(AddressPolicy.isPublic(scoped));
    }

    @Test
    void publicMeansOnlyPublic() throws UnknownHostException {
        assertTrue(AddressPolicy.isPublic(v4("8.8.4.4")));
        for (AddressCategory c : AddressCategory.values()) {
            assertFalse(c.label().isBlank(), c + " needs a label for error messages");
        }
    }

    private static InetAddress v4(String dotted) throws UnknownHostException {
        String[] parts = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        InetAddress a = InetAddress.getByAddress(b);
        assertInstanceOf(Inet4Address.class, a);
        return a;
    }

    /** Eight full 4-digit groups, so the bytes are read off the text without any parser. */
    private static InetAddress v6(String groups) throws UnknownHostException {
        String[] parts = groups.split(":");
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            int w = Integer.parseInt(parts[i], 16);
            b[2 * i] = (byte) (w >> 8);
            b[2 * i + 1] = (byte) w;
        }
        return Inet6Address.getByAddress(null, b, -1);
    }
}
