package dev.loupe.lifecycle;

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

/** Direct access to the embedded database ({@code <dataDir>/loupe.db}), to set up and check what the API hides. */
final class TaskTable {

    private final String url;

    TaskTable(Path dataDir) {
        this.url = "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("loupe.db");
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    static long microsAgo(Duration age) {
        return micros(Instant.now().minus(age));
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 30000");
        }
        return c;
    }

    void softDelete(String id, long deletedAtMicros) {
        update("UPDATE tasks SET deleted = TRUE, deleted_at = ? WHERE id = ?", deletedAtMicros, id);
    }

    /** Makes a task finished (failure) with the given expiry. */
    void finish(String id, long expiresAtMicros) {
        update("UPDATE tasks SET status = 'failure', expires_at = ? WHERE id = ?", expiresAtMicros, id);
    }

    void clearExpiry(String id) {
        try (Connection c = connect();
             PreparedStatement p = c.prepareStatement("UPDATE tasks SET expires_at = NULL WHERE id = ?")) {
            p.setString(1, id);
            if (p.executeUpdate() != 1) {
                throw new AssertionError("no task " + id + " to update");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void update(String sql, long micros, String id) {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, micros);
            p.setString(2, id);
            if (p.executeUpdate() != 1) {
                throw new AssertionError("no task " + id + " to update");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> ids(String table, String column) {
        try (Connection c = connect(); Statement s = c.createStatement();
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

    List<String> taskIds() {
        return ids("tasks", "id");
    }

    List<String> taskInfoIds() {
        return ids("task_info", "task_id");
    }

    /** {@code deleted} and {@code deleted_at} of a task, as stored. */
    record Deletion(boolean deleted, Long deletedAt) {
    }

    Deletion deletion(String id) {
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
}
