package dev.loupe.imports.fetch;

import dev.loupe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings and filters for the fetch tests. Test servers listen on 127.0.0.1 at a random port. */
final class TestSettings {

    static final String ANY_PORT = "import_filtering_opts.allowed_ports=[]";
    static final String LOOPBACK_ALLOWED = "import_filtering_opts.allowed_hosts=[127.0.0.1]";

    private TestSettings() {}

    static ImportUriFilter filter(String... overrides) {
        return ImportUriFilter.from(Config.load(null, List.of(overrides), Path.of("target")));
    }

    /** Short timeouts, five redirects, the default cap. */
    static FetchSettings settings(ImportUriFilter filter, Resolver resolver) {
        return new FetchSettings(Duration.ofSeconds(2), Duration.ofSeconds(2), 5, 1L << 40, filter, resolver, null);
    }

    /** Settings that may reach 127.0.0.1 on any port. */
    static FetchSettings loopback() {
        return settings(filter(ANY_PORT, LOOPBACK_ALLOWED), Resolver.SYSTEM);
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** An IPv6 address kept as such, even in the IPv4-mapped form that InetAddress.getByName turns into IPv4. */
    static InetAddress ipv6(int... words) {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[2 * i] = (byte) (words[i] >> 8);
            bytes[2 * i + 1] = (byte) words[i];
        }
        try {
            return java.net.Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
