package dev.loupe.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.failure.LoupeException.Unavailable;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleCallbackDecorator;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool and schema of the task database: SQLite by default, PostgreSQL for many nodes. When no
 * connection can be had within the pool timeout, a query fails with {@link Unavailable} (503), never hangs.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** Where the schema migrations are, on the class path. */
    private static final String MIGRATIONS = "db/migration";

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__.+\\.sql");

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final Jdbi jdbi;
    private final StatementCache statements = new StatementCache();

    /** Sets a read's parameters on its statement. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Reads a query's rows into what the caller returns. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    /** What SQL a database speaks beyond what SQLite and PostgreSQL share. */
    public enum Dialect {
        /** One writer at a time (this process queues its own); one machine. */
        SQLITE,
        /** Many writers, row locks with SKIP LOCKED, LISTEN/NOTIFY, the server's clock. */
        POSTGRESQL
    }

    private Database(HikariDataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.jdbi = Jdbi.create(() -> connection(dataSource));
        jdbi.setHandleCallbackDecorator(new LostConnections());
        if (dialect == Dialect.SQLITE) {
            jdbi.setTransactionHandler(new SingleWriter(jdbi.getTransactionHandler()));
        }
    }

    /** {@link #open(DatabaseSettings, Path)} with the defaults: for tools and tests that name only a database. */
    public static Database open(String connection, Path dataDir) {
        return open(DatabaseSettings.of(connection), dataDir);
    }

    /**
     * Opens the pool, trying {@code max_retries} times {@code retry_interval} apart while the database cannot be
     * reached, and brings the schema up to date.
     */
    public static Database open(DatabaseSettings settings, Path dataDir) {
        String connection = settings.connection();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("loupe-db");
        String url = jdbcUrl(connection, dataDir);
        hikari.setJdbcUrl(url);
        hikari.setMaximumPoolSize(settings.maxPoolSize());
        hikari.setConnectionTimeout(Math.max(250, settings.poolTimeout().toMillis()));
        Dialect dialect = url.startsWith("jdbc:sqlite:") ? Dialect.SQLITE : Dialect.POSTGRESQL;
        if (dialect == Dialect.SQLITE) {
            prepareSqliteFolder(url);
            // WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock up front,
            // so two writers queue on busy_timeout instead of failing when one upgrades from reading.
            hikari.addDataSourceProperty("journal_mode", "WAL");
            hikari.addDataSourceProperty("synchronous", "NORMAL");
            hikari.addDataSourceProperty("busy_timeout", "30000");
            hikari.addDataSourceProperty("foreign_keys", "true");
            hikari.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        } else if (connection.startsWith("postgresql")) {
            URI uri = parse(connection);
            if (uri.getUserInfo() != null) {
                String[] userInfo = uri.getRawUserInfo().split(":", 2);
                hikari.setUsername(decode(userInfo[0]));
                if (userInfo.length > 1) {
                    hikari.setPassword(decode(userInfo[1]));
                }
            }
        }
        if (dialect == Dialect.POSTGRESQL) {
            // Loupe's transactions never wait on their client; one idle for 10 s belongs to a node that stopped
            // (SIGSTOP, a stalled VM) while holding row locks. Ending it frees the rows for the nodes that recover
            // its tasks, long before its leases run out.
            // Loupe's statements are short, and PostgreSQL compiles one with LLVM whenever the planner's estimate
            // passes jit_above_cost: a claim whose plan guessed its LIMIT was estimated at 235,000 and spent 29 of
            // its 30 ms compiling, at every execution.
            hikari.setConnectionInitSql("SET idle_in_transaction_session_timeout = '10s'; SET jit = off");
        }
        Database db = new Database(pool(hikari, settings, connection), dialect);
        db.migrate();
        return db;
    }

    private static HikariDataSource pool(HikariConfig hikari, DatabaseSettings settings, String connection) {
        for (int attempt = 1; ; attempt++) {
            try {
                return new HikariDataSource(hikari);
            } catch (RuntimeException e) {
                boolean more = settings.maxRetries() < 0 || attempt <= settings.maxRetries();
                if (!more) {
                    throw new BadConfiguration(
                            "Cannot open the database " + redacted(connection) + ": " + e.getMessage(), e);
                }
                LOG.warn(
                        "Cannot reach the database {} ({}); trying again in {} s (attempt {} of {})",
                        redacted(connection),
                        e.getMessage(),
                        settings.retryInterval().toSeconds(),
                        attempt,
                        settings.maxRetries() < 0 ? "unbounded" : settings.maxRetries() + 1);
                try {
                    Thread.sleep(settings.retryInterval().toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new BadConfiguration("Interrupted while waiting for the database", interrupted);
                }
            }
        }
    }

    /**
     * A statement that fails because the connection under it broke (the server went away) says the database cannot
     * be reached, as a connection that cannot be had says, instead of passing for an error of the statement.
     */
    private static final class LostConnections implements HandleCallbackDecorator {
        @Override
        public <R, X extends Exception> HandleCallback<R, X> decorate(HandleCallback<R, X> callback) {
            return handle -> {
                try {
                    return callback.withHandle(handle);
                } catch (JdbiException e) {
                    if (lostConnection(e)) {
                        throw new Unavailable(
                                "The database cannot be reached now: "
                                        + e.getCause().getMessage(),
                                e);
                    }
                    throw e;
                }
            };
        }

        /** SQLSTATE class 08 is "connection exception", in PostgreSQL and the standard alike. */
        private static boolean lostConnection(Throwable failure) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (cause instanceof SQLTransientConnectionException
                        || cause instanceof SQLException sql
                                && sql.getSQLState() != null
                                && sql.getSQLState().startsWith("08")) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Runs one read-only query in plain JDBC, outside JDBI, on a statement prepared once per connection (see
     * {@link StatementCache}): for the few reads every API request makes, where a JDBI handle and a fresh statement
     * cost more than the query. A broken connection reads as {@link Unavailable}, as it does through {@link #jdbi()}.
     */
    public <T> T read(String sql, Binder binder, Reader<T> reader) {
        Connection connection = connection(dataSource);
        try (connection) {
            PreparedStatement statement = statements.prepare(connection, sql);
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                return reader.read(rows);
            }
        } catch (SQLException e) {
            if (LostConnections.lostConnection(e)) {
                // The statement ran under the pool's proxy, which would have seen the failure: tell the pool.
                dataSource.evictConnection(connection);
                throw new Unavailable("The database cannot be reached now: " + e.getMessage(), e);
            }
            throw new IllegalStateException("Query failed: " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    /**
     * Runs one statement that writes and answers rows (PostgreSQL's {@code UPDATE ... RETURNING}, or a {@code WITH}
     * of updates ending in a {@code SELECT}) in plain JDBC as {@link #read} does, committed on its own: for the
     * engine's claim and finish, which every task pays for. PostgreSQL only: SQLite's writes go through JDBI, whose
     * transactions queue for its one writer.
     */
    public <T> T write(String sql, Binder binder, Reader<T> reader) {
        if (dialect != Dialect.POSTGRESQL) {
            throw new IllegalStateException("Database.write is for PostgreSQL; SQLite writes through jdbi()");
        }
        return read(sql, binder, reader);
    }

    /** A pooled connection; none within the pool timeout means the database cannot be reached now. */
    private static Connection connection(HikariDataSource dataSource) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new Unavailable("The database cannot be reached now: " + e.getMessage(), e);
        }
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
        if (schemaIsCurrent(dataSource)) {
            return;
        }
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:" + MIGRATIONS)
                .load()
                .migrate();
    }

    /**
     * Whether every migration Loupe carries is recorded as applied, and no other: then there is nothing for Flyway
     * to do, and starting it (its plugins, its classpath scan, its validation) would cost a start more than the rest
     * of opening the database. One query on Flyway's own history table answers it; anything else (a new database, a
     * migration to apply, a failed or unknown one) goes to Flyway, which applies or reports. Unlike Flyway's
     * validation this compares versions, not checksums: an applied migration edited afterwards is not noticed here.
     */
    static boolean schemaIsCurrent(DataSource dataSource) {
        Set<String> carried = carriedMigrations();
        if (carried.isEmpty()) {
            return false;
        }
        Set<String> applied = new HashSet<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
            while (rows.next()) {
                applied.add(rows.getString(1));
            }
        } catch (SQLException e) {
            // No history table yet (a new database), or one this query cannot read: Flyway decides.
            return false;
        }
        return applied.equals(carried);
    }

    /**
     * The versions of the migrations in {@code db/migration} ({@code V<version>__<description>.sql}), read from the
     * jar's directory or the folder holding them; empty when they cannot be listed or one is not of that form (a
     * repeatable migration, say), so that Flyway decides.
     */
    static Set<String> carriedMigrations() {
        URL folder = Database.class.getClassLoader().getResource(MIGRATIONS);
        if (folder == null) {
            return Set.of();
        }
        List<String> names = new ArrayList<>();
        try {
            if (folder.openConnection() instanceof JarURLConnection jar) {
                jar.setUseCaches(false);
                try (JarFile file = jar.getJarFile()) {
                    String prefix = MIGRATIONS + "/";
                    file.stream()
                            .map(JarEntry::getName)
                            .filter(name -> name.startsWith(prefix) && name.length() > prefix.length())
                            .forEach(name -> names.add(name.substring(prefix.length())));
                }
            } else if (folder.getProtocol().equals("file")) {
                try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
                    files.forEach(file -> names.add(file.getFileName().toString()));
                }
            } else {
                return Set.of();
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return Set.of();
        }
        Set<String> versions = new HashSet<>();
        for (String name : names) {
            Matcher versioned = VERSIONED.matcher(name);
            if (!versioned.matches()) {
                return Set.of();
            }
            // Flyway reads V1_1__ as version 1.1.
            versions.add(versioned.group(1).replace('_', '.'));
        }
        return versions;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * A connection of its own, outside the pool, for work that holds one for long (LISTEN). The caller closes it.
     */
    public Connection dedicatedConnection() throws SQLException {
        return DriverManager.getConnection(dataSource.getJdbcUrl(), dataSource.getUsername(), dataSource.getPassword());
    }

    /** Whether the database answers a trivial query now. */
    public boolean reachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
