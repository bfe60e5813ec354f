package dev.loupe.imports.fetch;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A host as the {@code [import_filtering_opts]} filter compares it: an IPv4 dotted quad, an IPv6 literal or a name.
 * An allow-list entry names one host, so only its own canonical spelling matches it: {@code 127.0.0.1} does not
 * allow {@code [::ffff:127.0.0.1]}. A deny-list entry refuses its address however it is spelt, so the IPv4 address
 * an IPv6 literal stands for is kept too.
 *
 * @param canonical the spelling every way of writing the same name or address shares: the dotted quad, the IPv6
 *                  address compressed as RFC 5952 prints it (no brackets, never folded into IPv4), the name in
 *                  lower case without a final dot
 * @param ipv4      the IPv4 address this host is a spelling of: itself, or the one an IPv4-mapped
 *                  ({@code ::ffff:a.b.c.d}), IPv4-compatible ({@code ::a.b.c.d}) or NAT64 ({@code 64:ff9b::a.b.c.d})
 *                  IPv6 address carries
 * @param via6to4   for a 6to4 IPv6 address ({@code 2002:AABB:CCDD::/48}), the IPv4 address it is reached through
 * @param mapped    whether this is an IPv4-mapped IPv6 address, which Java (and so the fetcher) connects to as the
 *                  IPv4 address it carries
 */
record FilterHost(String canonical, Optional<String> ipv4, Optional<String> via6to4, boolean mapped) {

    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** Numbers in any base, alone or dotted: {@code 2130706433}, {@code 127.1}, {@code 0x7f.1}, {@code 0177.0.0.1}. */
    private static final Pattern NUMERIC_HOST =
            Pattern.compile("(0x[0-9a-f]*|\\d+)(\\.(0x[0-9a-f]*|\\d+))*\\.?", Pattern.CASE_INSENSITIVE);

    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");

    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9a-f:.]+");

    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};
    private static final byte[] COMPATIBLE_PREFIX = new byte[12];
    private static final byte[] NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] SIX_TO_FOUR_PREFIX = {0x20, 0x02};

    /**
     * The host {@code text} (as a URI or an option holds it; IPv6 literals with or without brackets) names, or empty
     * for what the filter refuses outright: numeric encodings such as {@code 127.1}, and anything else that is no
     * plain host name or address.
     */
    static Optional<FilterHost> parse(String text) {
        String h = text.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            return ipv6(h.substring(1, h.length() - 1));
        }
        if (DOTTED_QUAD.matcher(h).matches()) {
            return Optional.of(new FilterHost(h, Optional.of(h), Optional.empty(), false));
        }
        if (h.contains(":")) {
            return ipv6(h);
        }
        if (NUMERIC_HOST.matcher(h).matches() || !HOST_NAME.matcher(h).matches()) {
            return Optional.empty();
        }
        String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        return Optional.of(new FilterHost(name, Optional.empty(), Optional.empty(), false));
    }

    private static Optional<FilterHost> ipv6(String literal) {
        if (!IPV6_CHARACTERS.matcher(literal).matches()) {
            return Optional.empty();
        }
        InetAddress parsed;
        try {
            // A bracketed literal is parsed, never looked up.
            parsed = InetAddress.getByName("[" + literal + "]");
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        byte[] bytes;
        if (parsed instanceof Inet4Address) {
            // The JDK folds every spelling of an IPv4-mapped address into the IPv4 address it carries.
            bytes = Arrays.copyOf(MAPPED_PREFIX, 16);
            System.arraycopy(parsed.getAddress(), 0, bytes, 12, 4);
        } else {
            bytes = parsed.getAddress();
        }
        boolean mapped = startsWith(bytes, MAPPED_PREFIX);
        Optional<String> ipv4 = Optional.empty();
        if (mapped
                || startsWith(bytes, NAT64_PREFIX)
                // Not ::0.0.0.x, which holds :: and ::1, the unspecified and loopback addresses.
                || (startsWith(bytes, COMPATIBLE_PREFIX) && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0))) {
            ipv4 = Optional.of(dottedQuad(bytes, 12));
        }
        Optional<String> via6to4 =
                startsWith(bytes, SIX_TO_FOUR_PREFIX) ? Optional.of(dottedQuad(bytes, 2)) : Optional.empty();
        return Optional.of(new FilterHost(rfc5952(bytes), ipv4, via6to4, mapped));
    }

    /** The IPv4 address the fetcher connects to for this host, when that is another spelling than the host's. */
    Optional<String> connectedAs() {
        return mapped ? ipv4 : Optional.empty();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static String dottedQuad(byte[] bytes, int from) {
        return (bytes[from] & 0xff) + "." + (bytes[from + 1] & 0xff) + "." + (bytes[from + 2] & 0xff) + "."
                + (bytes[from + 3] & 0xff);
    }

    /** Lower-case hex groups without leading zeros, the first longest run of two or more zero groups as "::". */
    private static String rfc5952(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
