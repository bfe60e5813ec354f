package dev.loupe.image;

import dev.loupe.db.Micros;
import dev.loupe.db.PurgeWindow;
import dev.loupe.image.ImageFilter.AnyOf;
import dev.loupe.image.ImageFilter.Compare;
import dev.loupe.image.ImageFilter.HasProperty;
import dev.loupe.image.ImageFilter.HasTag;
import dev.loupe.image.ImageFilter.In;
import dev.loupe.image.ImageFilter.Nothing;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/** Images in the database: the {@code images} row with its tags, extra properties and location. */
public final class ImageRepository {

    private static final String ROW =
            "SELECT i.*, l.url FROM images i LEFT JOIN image_locations l ON l.image_id = i.id";

    private final Jdbi jdbi;

    public ImageRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Adds the image with its tags and properties in one transaction, and names it as its import task's
     * {@code image_id}, so the image lists the task that made it (docs/compatibility.md, "The image an import makes").
     */
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
            if (image.taskId() != null) {
                h.createUpdate("UPDATE tasks SET image_id = :image WHERE id = :task AND image_id IS NULL")
                        .bind("image", image.id())
                        .bind("task", image.taskId())
                        .execute();
            }
            insertTagsAndProperties(h, image, true);
        });
    }

    /**
     * Adds an image made through the API; false when an image (live or deleted) already has its id.
     */
    public boolean create(Image image) {
        try {
            insert(image);
            return true;
        } catch (RuntimeException e) {
            if (find(image.id()).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Writes what a {@code PATCH} may change (name, visibility, flags, owner, formats, minimums, tags, extra
     * properties) to a live image, in one transaction. The data columns and the status are left as they are, so an
     * upload that runs meanwhile keeps what it records.
     *
     * @return false when the image is no longer live
     */
    public boolean update(Image image) {
        return jdbi.inTransaction(h -> {
            int changed = h.createUpdate("UPDATE images SET name = :name, visibility = :visibility,"
                            + " protected = :protected, os_hidden = :os_hidden, owner = :owner,"
                            + " disk_format = :disk_format, container_format = :container_format,"
                            + " min_disk = :min_disk, min_ram = :min_ram, updated_at = :now"
                            + " WHERE id = :id AND deleted = FALSE")
                    .bind("name", image.name())
                    .bind("visibility", image.visibility())
                    .bind("protected", image.isProtected())
                    .bind("os_hidden", image.osHidden())
                    .bind("owner", image.owner())
                    .bind("disk_format", image.diskFormat())
                    .bind("container_format", image.containerFormat())
                    .bind("min_disk", image.minDisk())
                    .bind("min_ram", image.minRam())
                    .bind("now", Micros.of(image.updatedAt()))
                    .bind("id", image.id())
                    .execute();
            if (changed == 0) {
                return false;
            }
            // The os_glance properties are the interoperable import's (ImportState), which no PATCH may set: those
            // of the image as read stay out, so a PATCH that runs during an import keeps the import's lock.
            h.createUpdate("DELETE FROM image_tags WHERE image_id = :id")
                    .bind("id", image.id())
                    .execute();
            h.createUpdate("DELETE FROM image_properties WHERE image_id = :id AND substr(name, 1, 9) <> 'os_glance'")
                    .bind("id", image.id())
                    .execute();
            insertTagsAndProperties(h, image, false);
            return true;
        });
    }

    /** Tags a live image (a tag it has already is fine). */
    public void addTag(String id, String tag, Instant now) {
        jdbi.useTransaction(h -> {
            h.createUpdate("INSERT INTO image_tags (image_id, value) VALUES (:id, :value)"
                            + " ON CONFLICT (image_id, value) DO NOTHING")
                    .bind("id", id)
                    .bind("value", tag)
                    .execute();
            touch(h, id, now);
        });
    }

    /** Removes a tag; false when the image did not have it. */
    public boolean removeTag(String id, String tag, Instant now) {
        return jdbi.inTransaction(h -> {
            int removed = h.createUpdate("DELETE FROM image_tags WHERE image_id = :id AND value = :value")
                    .bind("id", id)
                    .bind("value", tag)
                    .execute();
            if (removed > 0) {
                touch(h, id, now);
            }
            return removed > 0;
        });
    }

    private static void touch(Handle h, String id, Instant now) {
        h.createUpdate("UPDATE images SET updated_at = :now WHERE id = :id")
                .bind("now", Micros.of(now))
                .bind("id", id)
                .execute();
    }

    /** The image, deleted or not. */
    public Optional<Image> find(String id) {
        return jdbi
                .withHandle(h -> withDetails(
                        h,
                        h.createQuery(ROW + " WHERE i.id = :id")
                                .bind("id", id)
                                .map((rs, ctx) -> row(rs))
                                .list()))
                .stream()
                .findFirst();
    }

    /** Images an import task created, whatever their state: what is left behind when its worker stopped. */
    public List<Image> createdBy(String taskId) {
        return jdbi.withHandle(h -> withDetails(
                h,
                h.createQuery(ROW + " WHERE i.task_id = :task")
                        .bind("task", taskId)
                        .map((rs, ctx) -> row(rs))
                        .list()));
    }

    /**
     * Images still {@code queued} or {@code saving} whose import task has ended: a failed import whose cleanup
     * failed too (the database or the store was down at that moment) left them.
     */
    public List<Image> stranded() {
        return jdbi.withHandle(h -> withDetails(
                h,
                h.createQuery(ROW + " WHERE i.status IN ('queued', 'saving')"
                                + " AND i.deleted = FALSE AND i.task_id IN"
                                + " (SELECT id FROM tasks WHERE status IN ('success', 'failure'))")
                        .map((rs, ctx) -> row(rs))
                        .list()));
    }

    /**
     * One page of live images meeting every filter, in {@code order} (which ends in a unique key), after the marker
     * image when there is one. Tags and properties come with two more queries for the whole page.
     */
    public List<Image> page(List<ImageFilter> filters, List<SortKey> order, Image marker, int limit) {
        Map<String, Object> binds = new HashMap<>();
        StringBuilder sql = new StringBuilder(ROW).append(" WHERE i.deleted = FALSE");
        for (ImageFilter filter : filters) {
            sql.append(" AND ").append(condition(filter, binds));
        }
        if (marker != null) {
            sql.append(" AND ").append(after(order, marker, binds));
        }
        List<String> orderBy = new ArrayList<>();
        for (SortKey key : order) {
            orderBy.add(sortExpression(key.field()) + (key.ascending() ? " ASC" : " DESC"));
        }
        sql.append(" ORDER BY ").append(String.join(", ", orderBy)).append(" LIMIT :limit");
        binds.put("limit", limit);
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql.toString());
            binds.forEach(query::bind);
            return withDetails(h, query.map((rs, ctx) -> row(rs)).list());
        });
    }

    /**
     * Marks a live image deleted (status {@code deleted}, {@code deleted}, {@code deleted_at}) and forgets where
     * its data is, in one transaction. An import still saving the image then finds it gone and removes what it
     * wrote; an import that activated it first has recorded the location this returns.
     *
     * @return empty when the image was not live (deleted meanwhile); else where its data was, if anywhere
     */
    public Optional<Removed> softDelete(String id, Instant now) {
        return jdbi.inTransaction(h -> {
            int changed = h.createUpdate("UPDATE images SET status = :deleted, deleted = TRUE, deleted_at = :now,"
                            + " updated_at = :now WHERE id = :id AND deleted = FALSE")
                    .bind("deleted", ImageStatus.DELETED.wire())
                    .bind("now", Micros.of(now))
                    .bind("id", id)
                    .execute();
            if (changed == 0) {
                return Optional.<Removed>empty();
            }
            String location = h.createQuery("SELECT url FROM image_locations WHERE image_id = :id")
                    .bind("id", id)
                    .mapTo(String.class)
                    .findOne()
                    .orElse(null);
            h.createUpdate("DELETE FROM image_locations WHERE image_id = :id")
                    .bind("id", id)
                    .execute();
            return Optional.of(new Removed(location));
        });
    }

    /** @param location where the deleted image's data was; null when it had none */
    public record Removed(String location) {}

    /** Moves a live image to {@code status}, if it is still in {@code from}. */
    public boolean move(String id, ImageStatus from, ImageStatus to, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE images SET status = :to, updated_at = :now"
                                + " WHERE id = :id AND status = :from AND deleted = FALSE")
                        .bind("to", to.wire())
                        .bind("now", Micros.of(now))
                        .bind("id", id)
                        .bind("from", from.wire())
                        .execute())
                == 1;
    }

    /**
     * Records stored data's outcome and makes the image active, if what {@code activation} needs still holds: the
     * image is still in the status its writer left it in and, for a task's run, the task is still leased to the run's
     * node (a node that lost the task, paused and then taken over, activates nothing).
     */
    public boolean activate(Image active, Activation activation) {
        return jdbi.inTransaction(h -> {
            Update update = h.createUpdate("UPDATE images SET status = :active, disk_format = :disk_format,"
                            + " size = :size, virtual_size = :virtual_size, checksum = :checksum,"
                            + " os_hash_algo = :os_hash_algo, os_hash_value = :os_hash_value, updated_at = :now"
                            + " WHERE id = :id AND status = :from AND deleted = FALSE"
                            + switch (activation) {
                                case Activation.Upload upload -> "";
                                case Activation.ImportRun run -> leaseHeld("images.task_id");
                                case Activation.InteroperableImport run -> ImportState.HOLDS + leaseHeld(":task");
                            })
                    .bind("active", ImageStatus.ACTIVE.wire())
                    .bind("disk_format", active.diskFormat())
                    .bind("size", active.size())
                    .bind("virtual_size", active.virtualSize())
                    .bind("checksum", active.checksum())
                    .bind("os_hash_algo", active.osHashAlgo())
                    .bind("os_hash_value", active.osHashValue())
                    .bind("now", Micros.of(active.updatedAt()))
                    .bind("id", active.id());
            switch (activation) {
                case Activation.Upload upload -> update.bind("from", ImageStatus.SAVING.wire());
                case Activation.ImportRun run ->
                    update.bind("from", ImageStatus.SAVING.wire()).bind("owner", run.leaseOwner());
                case Activation.InteroperableImport run ->
                    update.bind("from", ImageStatus.IMPORTING.wire())
                            .bind("task", run.taskId())
                            .bind("owner", run.leaseOwner());
            }
            if (update.execute() == 0) {
                return false;
            }
            h.createUpdate("INSERT INTO image_locations (image_id, url) VALUES (:id, :url)")
                    .bind("id", active.id())
                    .bind("url", active.location())
                    .execute();
            if (activation instanceof Activation.InteroperableImport) {
                h.createUpdate("DELETE FROM image_properties WHERE image_id = :id AND name = '" + ImportState.TASK
                                + "'")
                        .bind("id", active.id())
                        .execute();
            }
            return true;
        });
    }

    /** The task {@code task} names is still running on the node named {@code :owner}. */
    private static String leaseHeld(String task) {
        return " AND EXISTS (SELECT 1 FROM tasks WHERE tasks.id = " + task
                + " AND tasks.status = 'processing' AND tasks.lease_owner = :owner)";
    }

    /**
     * Hard-deletes images deleted through the API before {@code cutoff} (their data went at the delete), with
     * their tags, properties and locations: {@code loupe db purge}, as Glance's purge removes images too.
     */
    public int purge(PurgeWindow window) {
        return jdbi.inTransaction(h -> {
            // Picked once and locked: purges running at once take different rows.
            List<String> ids = window.bind(h.createQuery(window.victims("images")))
                    .mapTo(String.class)
                    .list();
            if (ids.isEmpty()) {
                return 0;
            }
            for (String table : List.of("image_locations", "image_properties", "image_tags")) {
                h.createUpdate("DELETE FROM " + table + " WHERE image_id IN (<ids>)")
                        .bindList("ids", ids)
                        .execute();
            }
            return h.createUpdate("DELETE FROM images WHERE id IN (<ids>)")
                    .bindList("ids", ids)
                    .execute();
        });
    }

    /** Removes every row of the image: what a failed import leaves is nothing. */
    public void erase(String id) {
        jdbi.useTransaction(h -> {
            for (String table : List.of("image_locations", "image_properties", "image_tags")) {
                h.createUpdate("DELETE FROM " + table + " WHERE image_id = :id")
                        .bind("id", id)
                        .execute();
            }
            h.createUpdate("DELETE FROM images WHERE id = :id").bind("id", id).execute();
        });
    }

    /** The row as an image without tags or properties; {@link #withDetails} adds them. */
    private static Image row(ResultSet rs) throws SQLException {
        return new Image(
                rs.getString("id"),
                rs.getString("name"),
                ImageStatus.fromWire(rs.getString("status")),
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
                List.of(),
                Map.of(),
                rs.getString("url"),
                Micros.instant(rs, "created_at"),
                Micros.instant(rs, "updated_at"),
                rs.getBoolean("deleted"),
                Micros.instant(rs, "deleted_at"),
                rs.getString("task_id"));
    }

    /** The images with their tags and properties, read for all of them at once. */
    private static List<Image> withDetails(Handle h, List<Image> images) {
        if (images.isEmpty()) {
            return images;
        }
        List<String> ids = images.stream().map(Image::id).toList();
        Map<String, List<String>> tags = new HashMap<>();
        h.createQuery("SELECT image_id, value FROM image_tags WHERE image_id IN (<ids>) ORDER BY value")
                .bindList("ids", ids)
                .map((rs, ctx) -> tags.computeIfAbsent(rs.getString("image_id"), k -> new ArrayList<>())
                        .add(rs.getString("value")))
                .list();
        Map<String, Map<String, String>> properties = new HashMap<>();
        h.createQuery("SELECT image_id, name, value FROM image_properties WHERE image_id IN (<ids>)")
                .bindList("ids", ids)
                .map((rs, ctx) -> properties
                        .computeIfAbsent(rs.getString("image_id"), k -> new TreeMap<>())
                        .put(rs.getString("name"), rs.getString("value")))
                .list();
        List<Image> complete = new ArrayList<>(images.size());
        for (Image i : images) {
            complete.add(new Image(
                    i.id(),
                    i.name(),
                    i.status(),
                    i.visibility(),
                    i.isProtected(),
                    i.osHidden(),
                    i.owner(),
                    i.diskFormat(),
                    i.containerFormat(),
                    i.size(),
                    i.virtualSize(),
                    i.checksum(),
                    i.osHashAlgo(),
                    i.osHashValue(),
                    i.minDisk(),
                    i.minRam(),
                    tags.getOrDefault(i.id(), List.of()),
                    properties.getOrDefault(i.id(), Map.of()),
                    i.location(),
                    i.createdAt(),
                    i.updatedAt(),
                    i.deleted(),
                    i.deletedAt(),
                    i.taskId()));
        }
        return complete;
    }

    /** One filter as SQL over {@code images i}, its values added to {@code binds}. */
    private static String condition(ImageFilter filter, Map<String, Object> binds) {
        return switch (filter) {
            case Compare c -> "i." + c.field().column() + " " + c.op().sql() + " " + bind(binds, sqlValue(c.value()));
            case In in ->
                in.values().isEmpty()
                        ? "1 = 0"
                        : "i." + in.field().column() + " IN ("
                                + String.join(
                                        ", ",
                                        in.values().stream()
                                                .map(v -> bind(binds, v))
                                                .toList()) + ")";
            case HasTag t ->
                "EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = " + bind(binds, t.tag())
                        + ")";
            case HasProperty p ->
                "EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id AND p.name = " + bind(binds, p.name())
                        + " AND p.value = " + bind(binds, p.value()) + ")";
            case AnyOf any ->
                any.filters().isEmpty()
                        ? "1 = 0"
                        : "("
                                + String.join(
                                        " OR ",
                                        any.filters().stream()
                                                .map(f -> condition(f, binds))
                                                .toList()) + ")";
            case Nothing ignored -> "1 = 0";
        };
    }

    /**
     * The rows after the marker in {@code order}: a row-value comparison when every key runs the same way (which
     * an index serves as a range), otherwise upstream's expansion {@code k1 > m1 OR (k1 = m1 AND k2 > m2) ...}.
     */
    private static String after(List<SortKey> order, Image marker, Map<String, Object> binds) {
        List<String> columns = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (SortKey key : order) {
            columns.add(sortExpression(key.field()));
            values.add(bind(binds, key.field().sortValue(marker)));
        }
        boolean uniform =
                order.stream().allMatch(k -> k.ascending() == order.getFirst().ascending());
        if (uniform) {
            return "(" + String.join(", ", columns) + ")" + (order.getFirst().ascending() ? " > (" : " < (")
                    + String.join(", ", values) + ")";
        }
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            List<String> terms = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                terms.add(columns.get(j) + " = " + values.get(j));
            }
            terms.add(columns.get(i) + (order.get(i).ascending() ? " > " : " < ") + values.get(i));
            alternatives.add("(" + String.join(" AND ", terms) + ")");
        }
        return "(" + String.join(" OR ", alternatives) + ")";
    }

    /** Nulls sort as the column type's empty value, as upstream's keyset pagination treats them. */
    private static String sortExpression(ImageField field) {
        if (!field.nullable()) {
            return "i." + field.column();
        }
        return "COALESCE(i." + field.column() + (field.kind() == ImageField.Kind.INTEGER ? ", 0)" : ", '')");
    }

    private static Object sqlValue(Object value) {
        return value instanceof Instant instant ? Micros.of(instant) : value;
    }

    private static String bind(Map<String, Object> binds, Object value) {
        String name = "p" + binds.size();
        binds.put(name, value);
        return ":" + name;
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** @param importState whether the image's os_glance properties (the import's, see {@link ImportState}) go in too */
    private static void insertTagsAndProperties(Handle h, Image image, boolean importState) {
        for (String tag : image.tags()) {
            h.createUpdate("INSERT INTO image_tags (image_id, value) VALUES (:id, :value)")
                    .bind("id", image.id())
                    .bind("value", tag)
                    .execute();
        }
        for (Map.Entry<String, String> property : image.properties().entrySet()) {
            if (!importState && property.getKey().startsWith("os_glance")) {
                continue;
            }
            h.createUpdate("INSERT INTO image_properties (image_id, name, value) VALUES (:id, :name, :value)")
                    .bind("id", image.id())
                    .bind("name", property.getKey())
                    .bind("value", property.getValue())
                    .execute();
        }
    }
}
