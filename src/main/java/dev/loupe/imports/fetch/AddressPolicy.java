package dev.loupe.imports.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The addresses an import may not connect to: those that lead back into this machine, into the network it sits
 * in, or to a cloud's metadata service, instead of out to an image server.
 */
final class AddressPolicy {

    private static final String LOOPBACK = "a loopback address";
    private static final String PRIVATE = "a private address";
    private static final String LINK_LOCAL = "a link-local address";
    private static final String MULTICAST = "a multicast address";
    private static final String UNSPECIFIED = "an unspecified address";
    private static final String METADATA = "a cloud metadata address";

    /** Checked in order, so the metadata addresses come before the link-local and private blocks holding them. */
    private static final List<Block> REFUSED = List.of(
            Block.of("169.254.169.254", 32, METADATA),
            Block.of("fd00:ec2::254", 128, METADATA),
            Block.of("0.0.0.0", 8, UNSPECIFIED),
            Block.of("127.0.0.0", 8, LOOPBACK),
            Block.of("10.0.0.0", 8, PRIVATE),
            Block.of("172.16.0.0", 12, PRIVATE),
            Block.of("192.168.0.0", 16, PRIVATE),
            Block.of("100.64.0.0", 10, "a carrier-grade NAT address"),
            Block.of("169.254.0.0", 16, LINK_LOCAL),
            Block.of("224.0.0.0", 4, MULTICAST),
            Block.of("240.0.0.0", 4, "a reserved address"),
            Block.of("::", 128, UNSPECIFIED),
            Block.of("::1", 128, LOOPBACK),
            Block.of("fc00::", 7, PRIVATE),
            Block.of("fe80::", 10, LINK_LOCAL),
            // Site-local: the deprecated forerunner of fc00::/7, still routed as private where it is used.
            Block.of("fec0::", 10, PRIVATE),
            Block.of("ff00::", 8, MULTICAST));

    /**
     * IPv6 addresses that carry an IPv4 address and reach it: IPv4-mapped ({@code ::ffff:a.b.c.d}, which a
     * dual-stack socket connects to over IPv4), IPv4-compatible ({@code ::a.b.c.d}) and NAT64
     * ({@code 64:ff9b::a.b.c.d}, which a translator forwards) in their last four bytes, and 6to4
     * ({@code 2002:AABB:CCDD::/48}, tunnelled to the IPv4 address in bytes 2 to 5).
     */
    private static final List<Carrier> CARRIERS_OF_IPV4 = List.of(
            new Carrier(
                    new Block(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0}, 96, ""),
                    12),
            new Carrier(Block.of("::", 96, ""), 12),
            new Carrier(Block.of("64:ff9b::", 96, ""), 12),
            new Carrier(Block.of("2002::", 16, ""), 2));

    private record Carrier(Block block, int offset) {}

    private AddressPolicy() {}

    /** What kind of refused address this is ({@code "a loopback address"}), or empty when it may be used. */
    static Optional<String> refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        Optional<String> kind = kindOf(bytes);
        if (kind.isPresent() || bytes.length == 4) {
            return kind;
        }
        for (Carrier carrier : CARRIERS_OF_IPV4) {
            if (carrier.block().contains(bytes)) {
                return kindOf(Arrays.copyOfRange(bytes, carrier.offset(), carrier.offset() + 4))
                        .map(k -> k + " embedded in an IPv6 address");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> kindOf(byte[] address) {
        return REFUSED.stream()
                .filter(block -> block.contains(address))
                .map(Block::kind)
                .findFirst();
    }

    private record Block(byte[] network, int bits, String kind) {

        static Block of(String literal, int bits, String kind) {
            try {
                return new Block(InetAddress.getByName(literal).getAddress(), bits, kind);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(literal, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int mask = (0xff00 >> (bits % 8)) & 0xff;
            return mask == 0 || (address[whole] & mask) == (network[whole] & mask);
        }
    }
}
