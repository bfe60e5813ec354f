package dev.loupe.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The task table as stored in {@code <dataDir>/loupe.db}, read (and in set-ups written) behind the server's back. */
final class Rows {

    /** What the engine keeps on a task row, as stored (times in microseconds since the epoch). */
    record Row(String id, String status, int attempts, long version, String leaseOwner, Long leaseExpiresAt,
               Long expiresAt, Long updatedAt, String message, String result) {
    }

    private final String url;

    Rows(Path dataDir) {
        this.url = "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("loupe.db");
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 30000");
        }
        return c;
    }

    Row row(String id) {
        try (Connection c = connect();
             PreparedStatement p = c.prepareStatement("SELECT t.id, t.status, t.attempts, t.version, t.lease_owner,"
                     + " t.lease_expires_at, t.expires_at, t.updated_at, i.message, i.result FROM tasks t"
                     + " LEFT JOIN task_info i ON i.task_id = t.id WHERE t.id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no task " + id);
                }
                return new Row(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getString(5),
                        nullableLong(rs, 6), nullableLong(rs, 7), nullableLong(rs, 8), rs.getString(9),
                        rs.getString(10));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many live tasks have each status. */
    Map<String, Integer> statusCounts() {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, COUNT(*) FROM tasks GROUP BY status")) {
            Map<String, Integer> counts = new TreeMap<>();
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
            return counts;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one statement with the given parameters; returns the rows changed. */
    int execute(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setObject(i + 1, params[i]);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls the row until it matches, failing with the last row seen after the timeout. */
    Row await(String id, Duration timeout, Predicate<Row> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Row last = row(id);
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task " + id + " did not reach the expected state within " + timeout
                        + "; last row: " + last);
            }
            NodeProcess.sleep(20);
            last = row(id);
        }
        return last;
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
