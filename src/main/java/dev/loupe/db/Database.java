package dev.loupe.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/** The connection pool and schema of the task database: SQLite by default, PostgreSQL for many nodes. */
public final class Database implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource, boolean sqlite) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        if (sqlite) {
            jdbi.setTransactionHandler(new SingleWriter(jdbi.getTransactionHandler()));
        }
    }

    /**
     * @param connection {@code [database] connection}: empty for {@code loupe.db} in the data directory, an
     *                   SQLAlchemy-style URL as Glance takes ({@code sqlite:///path}, {@code postgresql://...}),
     *                   or a {@code jdbc:} URL
     */
    public static Database open(String connection, Path dataDir) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("loupe-db");
        String url = jdbcUrl(connection, dataDir);
        hikari.setJdbcUrl(url);
        if (url.startsWith("jdbc:sqlite:")) {
            prepareSqliteFolder(url);
            // WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock up front,
            // so two writers queue on busy_timeout instead of failing when one upgrades from reading.
            hikari.addDataSourceProperty("journal_mode", "WAL");
            hikari.addDataSourceProperty("synchronous", "NORMAL");
            hikari.addDataSourceProperty("busy_timeout", "30000");
            hikari.addDataSourceProperty("foreign_keys", "true");
            hikari.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            hikari.setMaximumPoolSize(8);
        } else if (connection.startsWith("postgresql")) {
            URI uri = parse(connection);
            if (uri.getUserInfo() != null) {
                String[] userInfo = uri.getRawUserInfo().split(":", 2);
                hikari.setUsername(decode(userInfo[0]));
                if (userInfo.length > 1) {
                    hikari.setPassword(decode(userInfo[1]));
                }
            }
            hikari.setMaximumPoolSize(16);
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new BadConfiguration("Cannot open the database " + redacted(connection) + ": " + e.getMessage(), e);
        }
        Database db = new Database(dataSource, url.startsWith("jdbc:sqlite:"));
        db.migrate();
        return db;
    }

    static String jdbcUrl(String connection, Path dataDir) {
        if (connection.isEmpty()) {
            return "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("loupe.db");
        }
        if (connection.startsWith("jdbc:")) {
            return connection;
        }
        if (connection.startsWith("sqlite:///")) {
            String path = connection.substring("sqlite:///".length());
            return "jdbc:sqlite:" + Path.of(path.isEmpty() ? "loupe.db" : path).toAbsolutePath();
        }
        if (connection.startsWith("postgresql://") || connection.startsWith("postgresql+")) {
            URI uri = parse(connection);
            String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
            return "jdbc:postgresql://" + hostPort + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        throw new BadConfiguration("[database] connection: unsupported URL " + redacted(connection)
                + " (expected sqlite:///..., postgresql://... or jdbc:...)");
    }

    private static URI parse(String connection) {
        try {
            return new URI(connection);
        } catch (URISyntaxException e) {
            throw new BadConfiguration("[database] connection: not a URL: " + redacted(connection), e);
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static String redacted(String connection) {
        return connection.replaceAll("//([^:/@]*):[^@/]*@", "//$1:***@");
    }

    private static void prepareSqliteFolder(String url) {
        String path = url.substring("jdbc:sqlite:".length());
        int query = path.indexOf('?');
        Path file = Path.of(query < 0 ? path : path.substring(0, query)).toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new BadConfiguration(
                    "Cannot create the database folder " + file.getParent() + ": " + e.getMessage(), e);
        }
    }

    private void migrate() {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
