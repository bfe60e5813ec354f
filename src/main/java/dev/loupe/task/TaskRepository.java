package dev.loupe.task;

import dev.loupe.compat.Isotime;
import dev.loupe.db.Columns;
import dev.loupe.db.Database;
import dev.loupe.db.Micros;
import dev.loupe.db.PurgeWindow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Tasks in the database as the API reads and writes them: one {@code tasks} row each, whose details (input, result,
 * message) lists never read. Timestamps are stored as microseconds since the epoch, which sort and compare the same
 * everywhere. What workers write while they run tasks is the engine's own store.
 */
public final class TaskRepository {

    private static final String SUMMARY_COLUMNS = "id, type, status, owner, created_at, updated_at, expires_at";

    private static final String FIND = TaskRowMapper.SELECT + " WHERE t.id = ?";

    private final Database database;
    private final Jdbi jdbi;
    private final TaskRowMapper rows;

    public TaskRepository(Database database, TaskRowMapper rows) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.rows = rows;
    }

    /**
     * Adds the task, its details included.
     *
     * @param idempotencyKey the create's Idempotency-Key, or null; the project's live task with that key wins
     * @return false, with nothing added, when the project already has a live task with the key
     */
    public boolean insert(Task task, String idempotencyKey) {
        return jdbi.inTransaction(
                h -> h.createUpdate("INSERT INTO tasks (id, type, status, owner, expires_at, created_at,"
                                        + " updated_at, deleted_at, deleted, image_id, request_id, user_id,"
                                        + " idempotency_key, input, result, message) VALUES (:id, :type, :status,"
                                        + " :owner, :expires_at, :created_at, :updated_at, NULL, FALSE, :image_id,"
                                        + " :request_id, :user_id, :key, :input, :result, :message)"
                                        + " ON CONFLICT (owner, idempotency_key)"
                                        + " WHERE idempotency_key IS NOT NULL AND deleted = FALSE DO NOTHING")
                                .bind("id", task.id())
                                .bind("type", task.type().wire())
                                .bind("status", task.status().wire())
                                .bind("owner", task.owner())
                                .bind("expires_at", Micros.of(task.expiresAt()))
                                .bind("created_at", Micros.of(task.createdAt()))
                                .bind("updated_at", Micros.of(task.updatedAt()))
                                .bind("image_id", task.imageId())
                                .bind("request_id", task.requestId())
                                .bind("user_id", task.userId())
                                .bind("key", idempotencyKey)
                                .bind("input", rows.write(task.input()))
                                .bind("result", rows.write(task.result()))
                                .bind("message", task.message())
                                .execute()
                        == 1);
    }

    /**
     * How many live tasks are pending and processing, by type and status, on all nodes: one grouped query over the
     * status index, for the metrics gauges.
     */
    public Map<TaskType, Map<TaskStatus, Long>> countUnfinished() {
        record Row(String type, String status, long count) {}
        List<Row> found = jdbi.withHandle(h -> h.createQuery("SELECT type, status, COUNT(*) AS n FROM tasks"
                        + " WHERE deleted = FALSE AND status IN ('pending', 'processing') GROUP BY type, status")
                .map((rs, ctx) -> new Row(rs.getString("type"), rs.getString("status"), rs.getLong("n")))
                .list());
        Map<TaskType, Map<TaskStatus, Long>> counts = new java.util.EnumMap<>(TaskType.class);
        for (Row row : found) {
            TaskType.fromWire(row.type())
                    .ifPresent(type -> TaskStatus.fromWire(row.status())
                            .ifPresent(status -> counts.computeIfAbsent(
                                            type, t -> new java.util.EnumMap<>(TaskStatus.class))
                                    .put(status, row.count())));
        }
        return counts;
    }

    /** The project's live task created with the Idempotency-Key. */
    public Optional<Task> findByIdempotencyKey(String owner, String key) {
        return jdbi.withHandle(h -> h.createQuery(TaskRowMapper.SELECT
                        + " WHERE t.owner = :owner AND t.idempotency_key = :key AND t.deleted = FALSE")
                .bind("owner", owner)
                .bind("key", key)
                .map(rows)
                .findOne());
    }

    /**
     * Ends a pending task in failure with the message, as a cancel does.
     *
     * @return false when the task was no longer pending (a worker claimed it, or it ended)
     */
    public boolean failPending(String id, String message, Instant now, Instant expiresAt) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET status = 'failure', updated_at = :now,"
                                + " expires_at = :expires_at, message = :message, version = version + 1"
                                + " WHERE id = :id AND status = 'pending'")
                        .bind("now", Micros.of(now))
                        .bind("expires_at", Micros.of(expiresAt))
                        .bind("message", message)
                        .bind("id", id)
                        .execute()
                == 1);
    }

    /**
     * Asks the node running a processing task to stop it; it ends in failure with the message of the first cancel.
     *
     * @return false when the task was not processing
     */
    public boolean requestCancel(String id, String message) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET cancel_reason = COALESCE(cancel_reason,"
                                + " :message) WHERE id = :id AND status = 'processing'")
                        .bind("message", message)
                        .bind("id", id)
                        .execute())
                == 1;
    }

    /** Plain JDBC on a statement kept per connection: every show and every page after a marker reads this. */
    public Optional<Task> find(String id) {
        return database.read(
                FIND,
                statement -> statement.setString(1, id),
                rs -> rs.next() ? Optional.of(rows.mapStored(rs)) : Optional.empty());
    }

    /**
     * One page in {@code [sortBy, created_at, id]} order, after the marker row when there is one.
     *
     * @param owner null for every project
     */
    public List<TaskSummary> page(TaskListRequest request, TaskField sortBy, String owner, Task marker, int limit) {
        List<TaskField> keys = new ArrayList<>();
        if (sortBy != TaskField.CREATED_AT && sortBy != TaskField.ID) {
            keys.add(sortBy);
        }
        keys.add(TaskField.CREATED_AT);
        keys.add(TaskField.ID);
        String dir = request.ascending() ? "ASC" : "DESC";
        // The SQL depends only on the shape of the request (filters, sort, marker), so each shape is prepared once
        // per connection; the values are bound by position, in the order they appear.
        StringBuilder sql =
                new StringBuilder("SELECT ").append(SUMMARY_COLUMNS).append(" FROM tasks WHERE deleted = FALSE");
        List<Object> values = new ArrayList<>();
        if (owner != null) {
            sql.append(" AND owner = ?");
            values.add(owner);
        }
        for (Map.Entry<TaskField, List<String>> filter : request.filters().entrySet()) {
            String column = filter.getKey().column();
            for (String value : filter.getValue()) {
                if (filter.getKey().kind() == TaskField.Kind.TIME) {
                    // A time filter matches the whole second it names; text that is no time matches nothing.
                    sql.append(" AND ")
                            .append(column)
                            .append(" >= ? AND ")
                            .append(column)
                            .append(" < ?");
                    Optional<Instant> second = Isotime.parse(value);
                    values.add(second.map(Micros::of).orElse(Long.MAX_VALUE));
                    values.add(second.map(s -> Micros.of(s.plusSeconds(1))).orElse(Long.MIN_VALUE));
                } else {
                    sql.append(" AND ").append(column).append(" = ?");
                    values.add(value);
                }
            }
        }
        if (marker != null) {
            sql.append(" AND (")
                    .append(String.join(
                            ", ", keys.stream().map(TaskField::sortExpression).toList()))
                    .append(request.ascending() ? ") > (" : ") < (")
                    .append(String.join(", ", keys.stream().map(k -> "?").toList()))
                    .append(")");
            for (TaskField key : keys) {
                values.add(key.sortValue(marker));
            }
        }
        sql.append(" ORDER BY ")
                .append(String.join(
                        ", ",
                        keys.stream().map(k -> k.sortExpression() + " " + dir).toList()))
                // Not a plain "LIMIT ?": SQLite (3.51, the driver's) folds a bound LIMIT's value into the plan, so
                // every execution with the value bound again compiles the statement anew (12 us of a page's 25 on
                // SQLite). A cast is no longer a bare parameter to it; PostgreSQL reads both the same.
                .append(" LIMIT CAST(? AS INTEGER)");
        values.add(limit);
        return database.read(sql.toString(), statement -> bind(statement, values), rs -> {
            List<TaskSummary> page = new ArrayList<>(limit);
            while (rs.next()) {
                page.add(summary(rs));
            }
            return page;
        });
    }

    private static void bind(PreparedStatement statement, List<Object> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            statement.setObject(i + 1, values.get(i));
        }
    }

    /**
     * The tasks whose {@code image_id} is the image, unexpired at {@code now} (upstream's tasks_get_by_image), oldest
     * first.
     *
     * @param withDeleted admins see soft-deleted rows too
     */
    public List<Task> forImage(String imageId, Instant now, boolean withDeleted) {
        return jdbi.withHandle(h -> h.createQuery(TaskRowMapper.SELECT + " WHERE t.image_id = :image"
                        + " AND (t.expires_at IS NULL OR t.expires_at >= :now)"
                        + (withDeleted ? "" : " AND t.deleted = FALSE")
                        + " ORDER BY t.created_at, t.id")
                .bind("image", imageId)
                .bind("now", Micros.of(now))
                .map(rows)
                .list());
    }

    /**
     * Soft-deletes up to {@code batch} tasks, of every project, whose expiry has passed, oldest expiry first.
     *
     * @return how many it soft-deleted; fewer than {@code batch} means none is left
     */
    public int softDeleteExpired(Instant now, int batch) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET deleted = TRUE, deleted_at = :now"
                        + " WHERE id IN (SELECT id FROM tasks WHERE deleted = FALSE AND expires_at IS NOT NULL"
                        + " AND expires_at <= :now ORDER BY expires_at LIMIT :batch)")
                .bind("now", Micros.of(now))
                .bind("batch", batch)
                .execute());
    }

    /**
     * Hard-deletes the soft-deleted tasks in the window. The rows are picked once and locked, so
     * purges running at once take different rows and never trip over each other's deletes.
     */
    public int purge(PurgeWindow window) {
        return jdbi.inTransaction(h -> {
            List<String> ids = window.bind(h.createQuery(window.victims("tasks")))
                    .mapTo(String.class)
                    .list();
            if (ids.isEmpty()) {
                return 0;
            }
            return h.createUpdate("DELETE FROM tasks WHERE id IN (<ids>)")
                    .bindList("ids", ids)
                    .execute();
        });
    }

    /** Reads {@link #SUMMARY_COLUMNS} by position. */
    private static TaskSummary summary(ResultSet rs) throws SQLException {
        return new TaskSummary(
                Columns.text(rs, 1),
                TaskRowMapper.type(Columns.text(rs, 2)),
                TaskRowMapper.status(Columns.text(rs, 3)),
                Columns.text(rs, 4),
                Micros.present(rs, 5),
                Micros.present(rs, 6),
                Micros.instant(rs, 7));
    }
}
