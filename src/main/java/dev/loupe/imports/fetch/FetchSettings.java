package dev.loupe.imports.fetch;

import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.tls.TrustBundle;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * How imports are fetched.
 *
 * @param connectTimeout longest wait for a connection to be set up
 * @param readTimeout    longest wait for the next bytes once connected
 * @param maxRedirects   redirects followed before the fetch is given up
 * @param sizeCap        largest source, in bytes, as Glance's {@code [DEFAULT] image_size_cap}
 * @param filter         the {@code [import_filtering_opts]} filter every hop must pass; its {@code allowed_hosts}
 *                       also lift the address check for the hosts they name
 * @param resolver       how host names become addresses
 */
public record FetchSettings(
        Duration connectTimeout,
        Duration readTimeout,
        int maxRedirects,
        long sizeCap,
        ImportUriFilter filter,
        Resolver resolver,
        TrustBundle trust) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_REDIRECTS = 5;

    public FetchSettings {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(resolver, "resolver");
        if (!connectTimeout.isPositive() || !readTimeout.isPositive()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxRedirects < 0 || sizeCap <= 0) {
            throw new IllegalArgumentException("maxRedirects must be >= 0 and sizeCap > 0");
        }
    }

    /**
     * The default connect timeout and redirects, with the read timeout, size cap, filter and trusted authorities of
     * {@code config}.
     */
    public static FetchSettings from(Config config) {
        return new FetchSettings(
                DEFAULT_CONNECT_TIMEOUT,
                config.get(Options.SOURCE_READ_TIMEOUT),
                DEFAULT_MAX_REDIRECTS,
                config.get(Options.IMAGE_SIZE_CAP),
                ImportUriFilter.from(config),
                Resolver.SYSTEM,
                trust(config));
    }

    /** The JDK's authorities and those of {@code source_ca_file}; null (the JDK's alone) when it is empty. */
    private static TrustBundle trust(Config config) {
        String file = config.get(Options.SOURCE_CA_FILE).strip();
        if (file.isEmpty()) {
            return null;
        }
        try {
            return TrustBundle.withDefaults(config.resolve(file));
        } catch (IOException e) {
            throw new BadConfiguration("[task] source_ca_file: " + e.getMessage());
        }
    }

    /** {@code 60 s}, {@code 0.5 s}: how messages state a timeout. */
    static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString() + " s";
    }
}
