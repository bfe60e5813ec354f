package dev.loupe.db;

import dev.loupe.config.Config;
import dev.loupe.config.Options;
import java.time.Duration;

/**
 * How Loupe connects to its database, with oslo.db's option names.
 *
 * @param connection    {@code [database] connection}: empty for {@code loupe.db} in the data directory, an
 *                      SQLAlchemy-style URL as Glance takes ({@code sqlite:///path}, {@code postgresql://...}), or a
 *                      {@code jdbc:} URL
 * @param maxPoolSize   connections one process keeps open at most
 * @param poolTimeout   longest wait for a connection; a request that cannot get one is answered 503
 * @param maxRetries    attempts to reach the database at start before giving up; -1 for no end
 * @param retryInterval wait between two of those attempts
 */
public record DatabaseSettings(
        String connection, int maxPoolSize, Duration poolTimeout, int maxRetries, Duration retryInterval) {

    public static DatabaseSettings from(Config config) {
        return new DatabaseSettings(
                config.get(Options.DATABASE_CONNECTION),
                config.get(Options.DATABASE_MAX_POOL_SIZE),
                config.get(Options.DATABASE_POOL_TIMEOUT),
                config.get(Options.DATABASE_MAX_RETRIES),
                config.get(Options.DATABASE_RETRY_INTERVAL));
    }

    /** The defaults with the given connection: what tests and tools that name only a database use. */
    public static DatabaseSettings of(String connection) {
        return new DatabaseSettings(connection, 10, Duration.ofSeconds(5), 0, Duration.ofSeconds(1));
    }
}
