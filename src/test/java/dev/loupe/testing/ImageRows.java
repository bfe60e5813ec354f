package dev.loupe.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The image rows as stored (in the embedded database {@code <dataDir>/loupe.db}, or PostgreSQL), read behind the
 * server's back: this is how tests see what an import made, in every state.
 */
public final class ImageRows {

    /** The tables an image lives in. */
    public static final List<String> TABLES = List.of("images", "image_tags", "image_properties", "image_locations");

    /** An {@code images} row with its tags, extra properties and location. */
    public record Image(
            String id,
            String name,
            String status,
            String visibility,
            boolean isProtected,
            boolean osHidden,
            String owner,
            String diskFormat,
            String containerFormat,
            Long size,
            Long virtualSize,
            String checksum,
            String osHashAlgo,
            String osHashValue,
            int minDisk,
            int minRam,
            boolean deleted,
            String taskId,
            List<String> tags,
            Map<String, String> properties,
            String location) {}

    private final String url;

    /** The rows of the embedded SQLite database in {@code dataDir}. */
    public ImageRows(Path dataDir) {
        this("jdbc:sqlite:" + dataDir.toAbsolutePath().resolve("loupe.db"));
    }

    /** The rows of the database at a JDBC URL (credentials in the URL). */
    public ImageRows(String jdbcUrl) {
        this.url = jdbcUrl;
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

    public Optional<Image> find(String id) {
        return select("WHERE id = ?", id).stream().findFirst();
    }

    /** The images whose {@code task_id} is the task, in any state. */
    public List<Image> createdBy(String taskId) {
        return select("WHERE task_id = ?", taskId);
    }

    /** Every image row. */
    public List<Image> all() {
        return select("");
    }

    /** Rows in each of {@link #TABLES}. */
    public Map<String, Integer> rowCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    counts.put(table, rs.getInt(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return counts;
    }

    private List<Image> select(String where, String... params) {
        try (Connection c = connect();
                PreparedStatement p = c.prepareStatement("SELECT id, name, status, visibility, protected, os_hidden,"
                        + " owner, disk_format, container_format, size, virtual_size, checksum, os_hash_algo,"
                        + " os_hash_value, min_disk, min_ram, deleted, task_id FROM images " + where
                        + " ORDER BY id")) {
            for (int i = 0; i < params.length; i++) {
                p.setString(i + 1, params[i]);
            }
            List<Image> images = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString("id");
                    images.add(new Image(
                            id,
                            rs.getString("name"),
                            rs.getString("status"),
                            rs.getString("visibility"),
                            rs.getBoolean("protected"),
                            rs.getBoolean("os_hidden"),
                            rs.getString("owner"),
                            rs.getString("disk_format"),
                            rs.getString("container_format"),
                            nullableLong(rs, "size"),
                            nullableLong(rs, "virtual_size"),
                            rs.getString("checksum"),
                            rs.getString("os_hash_algo"),
                            rs.getString("os_hash_value"),
                            rs.getInt("min_disk"),
                            rs.getInt("min_ram"),
                            rs.getBoolean("deleted"),
                            rs.getString("task_id"),
                            tags(c, id),
                            properties(c, id),
                            location(c, id)));
                }
            }
            return images;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> tags(Connection c, String id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT value FROM image_tags WHERE image_id = ?")) {
            p.setString(1, id);
            TreeSet<String> tags = new TreeSet<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    tags.add(rs.getString(1));
                }
            }
            return List.copyOf(tags);
        }
    }

    private static Map<String, String> properties(Connection c, String id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT name, value FROM image_properties WHERE image_id = ?")) {
            p.setString(1, id);
            Map<String, String> properties = new TreeMap<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    properties.put(rs.getString(1), rs.getString(2));
                }
            }
            return properties;
        }
    }

    private static String location(Connection c, String id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT url FROM image_locations WHERE image_id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
