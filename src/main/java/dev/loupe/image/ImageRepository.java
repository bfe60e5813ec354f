package dev.loupe.image;

import dev.loupe.db.Micros;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Images in the database: the {@code images} row with its tags, extra properties and location. */
public final class ImageRepository {

    private final Jdbi jdbi;

    public ImageRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Adds the image with its tags and properties in one transaction. */
    public void insert(Image image) {
        jdbi.useTransaction(h -> {
            h.createUpdate("INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner,"
                            + " disk_format, container_format, size, virtual_size, checksum, os_hash_algo,"
                            + " os_hash_value, min_disk, min_ram, created_at, updated_at, deleted_at, deleted, task_id)"
                            + " VALUES (:id, :name, :status, :visibility, :protected, :os_hidden, :owner, :disk_format,"
                            + " :container_format, :size, :virtual_size, :checksum, :os_hash_algo, :os_hash_value,"
                            + " :min_disk, :min_ram, :created_at, :updated_at, NULL, FALSE, :task_id)")
                    .bind("id", image.id())
                    .bind("name", image.name())
                    .bind("status", image.status().wire())
                    .bind("visibility", image.visibility())
                    .bind("protected", image.isProtected())
                    .bind("os_hidden", image.osHidden())
                    .bind("owner", image.owner())
                    .bind("disk_format", image.diskFormat())
                    .bind("container_format", image.containerFormat())
                    .bind("size", image.size())
                    .bind("virtual_size", image.virtualSize())
                    .bind("checksum", image.checksum())
                    .bind("os_hash_algo", image.osHashAlgo())
                    .bind("os_hash_value", image.osHashValue())
                    .bind("min_disk", image.minDisk())
                    .bind("min_ram", image.minRam())
                    .bind("created_at", Micros.of(image.createdAt()))
                    .bind("updated_at", Micros.of(image.updatedAt()))
                    .bind("task_id", image.taskId())
                    .execute();
            for (String tag : image.tags()) {
                h.createUpdate("INSERT INTO image_tags (image_id, value) VALUES (:id, :value)")
                        .bind("id", image.id()).bind("value", tag).execute();
            }
            for (Map.Entry<String, String> property : image.properties().entrySet()) {
                h.createUpdate("INSERT INTO image_properties (image_id, name, value) VALUES (:id, :name, :value)")
                        .bind("id", image.id()).bind("name", property.getKey()).bind("value", property.getValue())
                        .execute();
            }
        });
    }

    /** The image, deleted or not. */
    public Optional<Image> find(String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT i.*, l.url FROM images i"
                        + " LEFT JOIN image_locations l ON l.image_id = i.id WHERE i.id = :id")
                .bind("id", id)
                .map((rs, ctx) -> image(rs, h))
                .findOne());
    }

    /** Images an import task created, whatever their state: what is left behind when its worker stopped. */
    public List<Image> createdBy(String taskId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT i.*, l.url FROM images i"
                        + " LEFT JOIN image_locations l ON l.image_id = i.id WHERE i.task_id = :task")
                .bind("task", taskId)
                .map((rs, ctx) -> image(rs, h))
                .list());
    }

    /** Moves a live image to {@code status}, if it is still in {@code from}. */
    public boolean move(String id, ImageStatus from, ImageStatus to, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE images SET status = :to, updated_at = :now"
                        + " WHERE id = :id AND status = :from AND deleted = FALSE")
                .bind("to", to.wire()).bind("now", Micros.of(now)).bind("id", id).bind("from", from.wire())
                .execute()) == 1;
    }

    /** Records an import's outcome and makes the image active, if it is still being saved. */
    public boolean activate(Image active) {
        return jdbi.inTransaction(h -> {
            int changed = h.createUpdate("UPDATE images SET status = :status, disk_format = :disk_format,"
                            + " size = :size, virtual_size = :virtual_size, checksum = :checksum,"
                            + " os_hash_algo = :os_hash_algo, os_hash_value = :os_hash_value, updated_at = :now"
                            + " WHERE id = :id AND status = :saving AND deleted = FALSE")
                    .bind("status", active.status().wire())
                    .bind("disk_format", active.diskFormat())
                    .bind("size", active.size())
                    .bind("virtual_size", active.virtualSize())
                    .bind("checksum", active.checksum())
                    .bind("os_hash_algo", active.osHashAlgo())
                    .bind("os_hash_value", active.osHashValue())
                    .bind("now", Micros.of(active.updatedAt()))
                    .bind("id", active.id())
                    .bind("saving", ImageStatus.SAVING.wire())
                    .execute();
            if (changed == 0) {
                return false;
            }
            h.createUpdate("INSERT INTO image_locations (image_id, url) VALUES (:id, :url)")
                    .bind("id", active.id()).bind("url", active.location()).execute();
            return true;
        });
    }

    /** Removes every row of the image: what a failed import leaves is nothing. */
    public void erase(String id) {
        jdbi.useTransaction(h -> {
            for (String table : List.of("image_locations", "image_properties", "image_tags")) {
                h.createUpdate("DELETE FROM " + table + " WHERE image_id = :id").bind("id", id).execute();
            }
            h.createUpdate("DELETE FROM images WHERE id = :id").bind("id", id).execute();
        });
    }

    private static Image image(ResultSet rs, Handle h) throws SQLException {
        String id = rs.getString("id");
        List<String> tags = h.createQuery("SELECT value FROM image_tags WHERE image_id = :id ORDER BY value")
                .bind("id", id).mapTo(String.class).list();
        Map<String, String> properties = new LinkedHashMap<>();
        h.createQuery("SELECT name, value FROM image_properties WHERE image_id = :id ORDER BY name")
                .bind("id", id)
                .map((p, ctx) -> properties.put(p.getString("name"), p.getString("value")))
                .list();
        return new Image(id, rs.getString("name"), ImageStatus.fromWire(rs.getString("status")),
                rs.getString("visibility"), rs.getBoolean("protected"), rs.getBoolean("os_hidden"),
                rs.getString("owner"), rs.getString("disk_format"), rs.getString("container_format"),
                nullableLong(rs, "size"), nullableLong(rs, "virtual_size"), rs.getString("checksum"),
                rs.getString("os_hash_algo"), rs.getString("os_hash_value"), rs.getInt("min_disk"),
                rs.getInt("min_ram"), tags, properties, rs.getString("url"), Micros.instant(rs, "created_at"),
                Micros.instant(rs, "updated_at"), rs.getBoolean("deleted"), Micros.instant(rs, "deleted_at"),
                rs.getString("task_id"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
