package dev.loupe.image;

import dev.loupe.db.Micros;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The image side of an interoperable import, as Glance keeps it: the lock {@code os_glance_import_task} (the task
 * that holds the image), {@code os_glance_importing_to_stores} and {@code os_glance_failed_import} (empty strings on
 * one store), the status {@code uploading} once data is staged, {@code importing} while the task runs, and
 * {@code active} or back to {@code queued} when it ends. Every move checks the lock, so only the task that holds it
 * changes the image.
 */
public final class ImportState {

    public static final String TASK = "os_glance_import_task";
    public static final String IMPORTING_TO = "os_glance_importing_to_stores";
    public static final String FAILED = "os_glance_failed_import";

    /** The image is held by the task {@code :task}. */
    static final String HOLDS = " AND EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = images.id"
            + " AND p.name = '" + TASK + "' AND p.value = :task)";

    private final Jdbi jdbi;

    public ImportState(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Takes the image for {@code taskId}, if it is live, in {@code status} and not held by another task (or held by
     * {@code stolenFrom}, a task that has ended): sets the three import properties.
     *
     * @return false when the image moved on, or another task took it first
     */
    boolean lock(String id, ImageStatus status, String taskId, String stolenFrom, Instant now) {
        try {
            return jdbi.inTransaction(h -> {
                int live = h.createUpdate("UPDATE images SET updated_at = :now"
                                + " WHERE id = :id AND status = :status AND deleted = FALSE")
                        .bind("now", Micros.of(now))
                        .bind("id", id)
                        .bind("status", status.wire())
                        .execute();
                if (live == 0) {
                    return false;
                }
                if (stolenFrom != null) {
                    h.createUpdate("DELETE FROM image_properties WHERE image_id = :id AND name = '" + TASK + "'"
                                    + " AND value = :stolen")
                            .bind("id", id)
                            .bind("stolen", stolenFrom)
                            .execute();
                }
                // The property's key is the lock: a second insert for the image fails and the transaction with it.
                h.createUpdate("INSERT INTO image_properties (image_id, name, value) VALUES (:id, '" + TASK
                                + "', :task)")
                        .bind("id", id)
                        .bind("task", taskId)
                        .execute();
                put(h, id, IMPORTING_TO, "");
                put(h, id, FAILED, "");
                return true;
            });
        } catch (RuntimeException e) {
            if (holder(id).filter(holder -> !holder.equals(taskId)).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    private static void put(Handle h, String id, String name, String value) {
        h.createUpdate("DELETE FROM image_properties WHERE image_id = :id AND name = :name")
                .bind("id", id)
                .bind("name", name)
                .execute();
        h.createUpdate("INSERT INTO image_properties (image_id, name, value) VALUES (:id, :name, :value)")
                .bind("id", id)
                .bind("name", name)
                .bind("value", value)
                .execute();
    }

    /** The task that holds the image, if any. */
    public Optional<String> holder(String id) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT value FROM image_properties WHERE image_id = :id AND name = '" + TASK + "'")
                        .bind("id", id)
                        .mapTo(String.class)
                        .findOne());
    }

    /** Drops a lock {@code taskId} took but cannot use (its task could not be created, or the image moved on). */
    public void unlock(String id, String taskId) {
        jdbi.useHandle(h -> h.createUpdate(
                        "DELETE FROM image_properties WHERE image_id = :id AND name = '" + TASK + "' AND value = :task")
                .bind("id", id)
                .bind("task", taskId)
                .execute());
    }

    /** Records staged data's size on an image that is {@code uploading}. */
    boolean staged(String id, long size, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE images SET size = :size, updated_at = :now"
                                + " WHERE id = :id AND status = :uploading AND deleted = FALSE")
                        .bind("size", size)
                        .bind("now", Micros.of(now))
                        .bind("id", id)
                        .bind("uploading", ImageStatus.UPLOADING.wire())
                        .execute())
                == 1;
    }

    /** The task's run begins: the image it holds goes from {@code from} to {@code importing}. */
    public boolean start(String id, ImageStatus from, String taskId, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE images SET status = :importing, updated_at = :now"
                                + " WHERE id = :id AND status = :from AND deleted = FALSE" + HOLDS)
                        .bind("importing", ImageStatus.IMPORTING.wire())
                        .bind("now", Micros.of(now))
                        .bind("id", id)
                        .bind("from", from.wire())
                        .bind("task", taskId)
                        .execute())
                == 1;
    }

    /**
     * The import failed: the image it holds is {@code queued} again, without staged size, and free for another
     * import. The two other import properties stay, as upstream leaves them.
     */
    public void release(String id, String taskId, Instant now) {
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE images SET status = :queued, size = NULL, virtual_size = NULL, updated_at = :now"
                            + " WHERE id = :id AND status IN (:importing, :uploading) AND deleted = FALSE" + HOLDS)
                    .bind("queued", ImageStatus.QUEUED.wire())
                    .bind("now", Micros.of(now))
                    .bind("id", id)
                    .bind("importing", ImageStatus.IMPORTING.wire())
                    .bind("uploading", ImageStatus.UPLOADING.wire())
                    .bind("task", taskId)
                    .execute();
            h.createUpdate("DELETE FROM image_properties WHERE image_id = :id AND name = '" + TASK + "'"
                            + " AND value = :task")
                    .bind("id", id)
                    .bind("task", taskId)
                    .execute();
        });
    }
}
