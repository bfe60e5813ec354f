package dev.loupe.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The task rows as stored (in the embedded database {@code <dataDir>/loupe.db}, or PostgreSQL), read (and in set-ups
 * written) behind the server's back, to set up and check what the API hides.
 */
public final class TaskRows {

    /** What the engine keeps on a task row, as stored (times in microseconds since the epoch). */
    public record Row(
            String id,
            String status,
            int attempts,
            long version,
            String leaseOwner,
            Long leaseExpiresAt,
            Long expiresAt,
            Long updatedAt,
            String message,
            String result) {}

    /** {@code deleted} and {@code deleted_at} of a task, as stored. */
    public record Deletion(boolean deleted, Long deletedAt) {}

    private final String url;

    /** The rows of the embedded SQLite database in {@code dataDir}. */
    public TaskRows(Path dataDir) {
        this("jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("loupe.db"));
    }

    /** The rows of the database at a JDBC URL (credentials in the URL). */
    public TaskRows(String jdbcUrl) {
        this.url = jdbcUrl;
    }

    public static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    public static long microsAgo(Duration age) {
        return micros(Instant.now().minus(age));
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        if (url.startsWith("jdbc:sqlite:")) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 30000");
            }
        }
        return c;
    }

    public Row row(String id) {
        try (Connection c = connect();
                PreparedStatement p = c.prepareStatement("SELECT t.id, t.status, t.attempts, t.version, t.lease_owner,"
                        + " t.lease_expires_at, t.expires_at, t.updated_at, t.message, t.result FROM tasks t"
                        + " WHERE t.id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no task " + id);
                }
                return new Row(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getLong(4),
                        rs.getString(5),
                        nullableLong(rs, 6),
                        nullableLong(rs, 7),
                        nullableLong(rs, 8),
                        rs.getString(9),
                        rs.getString(10));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls the row until it matches, failing with the last row seen after the timeout. */
    public Row await(String id, Duration timeout, Predicate<Row> condition) {
        return Await.until(timeout, () -> row(id), condition, "the row of task " + id + " to reach the expected state");
    }

    /** Waits until the task is soft-deleted (expired), failing after the timeout. */
    public void awaitDeleted(String id, Duration timeout) {
        Await.until(timeout, () -> deletion(id).deleted(), "task " + id + " to be soft-deleted");
    }

    /** How many live tasks have each status. */
    public Map<String, Integer> statusCounts() {
        try (Connection c = connect();
                Statement s = c.createStatement();
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

    public Deletion deletion(String id) {
        try (Connection c = connect();
                PreparedStatement p = c.prepareStatement("SELECT deleted, deleted_at FROM tasks WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no task " + id);
                }
                boolean deleted = rs.getBoolean(1);
                long at = rs.getLong(2);
                return new Deletion(deleted, rs.wasNull() ? null : at);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<String> taskIds() {
        return ids("tasks", "id");
    }

    private List<String> ids(String table, String column) {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + column + " FROM " + table + " ORDER BY " + column)) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one statement with the given parameters; returns the rows changed. */
    public int execute(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setObject(i + 1, params[i]);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void softDelete(String id, long deletedAtMicros) {
        updateOne(id, "UPDATE tasks SET deleted = TRUE, deleted_at = ? WHERE id = ?", deletedAtMicros, id);
    }

    /** Makes a task finished (failure) with the given expiry. */
    public void finish(String id, long expiresAtMicros) {
        updateOne(id, "UPDATE tasks SET status = 'failure', expires_at = ? WHERE id = ?", expiresAtMicros, id);
    }

    public void clearExpiry(String id) {
        updateOne(id, "UPDATE tasks SET expires_at = NULL WHERE id = ?", id);
    }

    private void updateOne(String id, String sql, Object... params) {
        if (execute(sql, params) != 1) {
            throw new AssertionError("no task " + id + " to update");
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
