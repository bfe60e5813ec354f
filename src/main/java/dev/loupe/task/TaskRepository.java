package dev.loupe.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.db.Micros;
import dev.loupe.db.PurgeWindow;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tasks in the database: the {@code tasks} row and its {@code task_info} row (input, result, message), which lists
 * never read. Timestamps are stored as microseconds since the epoch, which sort and compare the same everywhere.
 */
public final class TaskRepository {

    private static final Set<String> TIME_COLUMNS = Set.of("created_at", "updated_at", "expires_at", "deleted_at");
    private static final Set<String> NULLABLE_TEXT_COLUMNS = Set.of("image_id", "request_id", "user_id");
    private static final String FULL_ROW = "SELECT t.*, i.input, i.result, i.message FROM tasks t"
            + " LEFT JOIN task_info i ON i.task_id = t.id";
    private static final String SUMMARY_COLUMNS = "id, type, status, owner, created_at, updated_at, expires_at";

    private final Jdbi jdbi;
    private final ObjectMapper json;

    public TaskRepository(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
    }

    /** Adds the task and its details in one transaction: both rows or neither. */
    public void insert(Task task) {
        jdbi.useTransaction(h -> {
            h.createUpdate("INSERT INTO tasks (id, type, status, owner, expires_at, created_at, updated_at,"
                            + " deleted_at, deleted, image_id, request_id, user_id) VALUES (:id, :type, :status,"
                            + " :owner, :expires_at, :created_at, :updated_at, NULL, FALSE, :image_id, :request_id,"
                            + " :user_id)")
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
                    .execute();
            h.createUpdate("INSERT INTO task_info (task_id, input, result, message) VALUES (:id, :input, :result,"
                            + " :message)")
                    .bind("id", task.id())
                    .bind("input", write(task.input()))
                    .bind("result", write(task.result()))
                    .bind("message", task.message())
                    .execute();
        });
    }

    public Optional<Task> find(String id) {
        return jdbi.withHandle(h -> h.createQuery(FULL_ROW + " WHERE t.id = :id")
                .bind("id", id)
                .map((rs, ctx) -> task(rs))
                .findOne());
    }

    /**
     * One page in {@code [sortKey, created_at, id]} order, after the marker row when there is one.
     *
     * @param owner null for every project
     */
    public List<TaskSummary> page(TaskListRequest request, String owner, Task marker, int limit) {
        List<String> keys = new ArrayList<>();
        if (!request.sortKey().equals("created_at") && !request.sortKey().equals("id")) {
            keys.add(request.sortKey());
        }
        keys.add("created_at");
        keys.add("id");
        String dir = request.ascending() ? "ASC" : "DESC";
        StringBuilder sql = new StringBuilder("SELECT ").append(SUMMARY_COLUMNS)
                .append(" FROM tasks WHERE deleted = FALSE");
        if (owner != null) {
            sql.append(" AND owner = :owner");
        }
        int n = 0;
        for (Map.Entry<String, List<String>> filter : request.filters().entrySet()) {
            for (String ignored : filter.getValue()) {
                sql.append(TIME_COLUMNS.contains(filter.getKey())
                        ? " AND " + filter.getKey() + " >= :f" + n + " AND " + filter.getKey() + " < :g" + n
                        : " AND " + filter.getKey() + " = :f" + n);
                n++;
            }
        }
        if (marker != null) {
            sql.append(" AND (").append(String.join(", ", keys.stream().map(TaskRepository::sortExpression).toList()))
                    .append(request.ascending() ? ") > (" : ") < (")
                    .append(String.join(", ", keys.stream().map(k -> ":m_" + k).toList())).append(")");
        }
        sql.append(" ORDER BY ")
                .append(String.join(", ", keys.stream().map(k -> sortExpression(k) + " " + dir).toList()))
                .append(" LIMIT :limit");
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql.toString()).bind("limit", limit);
            if (owner != null) {
                q.bind("owner", owner);
            }
            int i = 0;
            for (Map.Entry<String, List<String>> filter : request.filters().entrySet()) {
                for (String value : filter.getValue()) {
                    bindFilter(q, filter.getKey(), value, i++);
                }
            }
            if (marker != null) {
                for (String key : keys) {
                    bindMarkerKey(q, key, marker);
                }
            }
            return q.map((rs, ctx) -> summary(rs)).list();
        });
    }

    /**
     * The tasks whose {@code image_id} is the image, unexpired at {@code now} (upstream's tasks_get_by_image), oldest
     * first.
     *
     * @param withDeleted admins see soft-deleted rows too
     */
    public List<Task> forImage(String imageId, Instant now, boolean withDeleted) {
        return jdbi.withHandle(h -> h.createQuery(FULL_ROW + " WHERE t.image_id = :image"
                        + " AND (t.expires_at IS NULL OR t.expires_at >= :now)"
                        + (withDeleted ? "" : " AND t.deleted = FALSE")
                        + " ORDER BY t.created_at, t.id")
                .bind("image", imageId)
                .bind("now", Micros.of(now))
                .map((rs, ctx) -> task(rs))
                .list());
    }

    /** The oldest tasks waiting for a worker. */
    public List<Task> pending(int limit) {
        return jdbi.withHandle(h -> h.createQuery(FULL_ROW + " WHERE t.status = 'pending' AND t.deleted = FALSE"
                        + " ORDER BY t.created_at, t.id LIMIT :limit")
                .bind("limit", limit)
                .map((rs, ctx) -> task(rs))
                .list());
    }

    /** Processing tasks whose worker stopped renewing its lease. */
    public List<Task> expiredLeases(Instant now, int limit) {
        return jdbi.withHandle(h -> h.createQuery(FULL_ROW + " WHERE t.status = 'processing'"
                        + " AND (t.lease_expires_at IS NULL OR t.lease_expires_at < :now)"
                        + " ORDER BY t.lease_expires_at LIMIT :limit")
                .bind("now", Micros.of(now))
                .bind("limit", limit)
                .map((rs, ctx) -> task(rs))
                .list());
    }

    /**
     * Writes {@code after} over the row, with the given lease, if the row still has {@code before}'s version:
     * the one write every change of a task's state goes through, so no writer overwrites a change it has not
     * seen.
     *
     * @param leaseOwner the node that now runs the task, or null once it has finished
     * @return the task as stored, with its new version; empty if the row changed since {@code before} was read
     */
    public Optional<Task> replace(Task before, Task after, String leaseOwner, Instant leaseExpiresAt) {
        return jdbi.inTransaction(h -> {
            int changed = h.createUpdate("UPDATE tasks SET status = :status, expires_at = :expires_at,"
                            + " updated_at = :updated_at, attempts = :attempts, lease_owner = :lease_owner,"
                            + " lease_expires_at = :lease_expires_at, version = version + 1"
                            + " WHERE id = :id AND version = :version")
                    .bind("status", after.status().wire())
                    .bind("expires_at", Micros.of(after.expiresAt()))
                    .bind("updated_at", Micros.of(after.updatedAt()))
                    .bind("attempts", after.attempts())
                    .bind("lease_owner", leaseOwner)
                    .bind("lease_expires_at", Micros.of(leaseExpiresAt))
                    .bind("id", before.id())
                    .bind("version", before.version())
                    .execute();
            if (changed == 0) {
                return Optional.<Task>empty();
            }
            h.createUpdate("UPDATE task_info SET result = :result, message = :message WHERE task_id = :id")
                    .bind("result", write(after.result()))
                    .bind("message", after.message())
                    .bind("id", before.id())
                    .execute();
            return Optional.of(after.withVersion(before.version() + 1));
        });
    }

    /**
     * Writes a running task's progress into its {@code message}, if this node still runs it. The row's version is
     * left alone: progress is not a change of state, and must not make the runner's final write look stale.
     */
    public void reportProgress(String id, String leaseOwner, String message, Instant now) {
        jdbi.useTransaction(h -> {
            int owned = h.createUpdate("UPDATE tasks SET updated_at = :now"
                            + " WHERE id = :id AND lease_owner = :owner AND status = 'processing'")
                    .bind("now", Micros.of(now)).bind("id", id).bind("owner", leaseOwner)
                    .execute();
            if (owned == 1) {
                h.createUpdate("UPDATE task_info SET message = :message WHERE task_id = :id")
                        .bind("message", message).bind("id", id).execute();
            }
        });
    }

    /** Extends the leases a node holds on the given tasks; a lease it lost is left alone. */
    public int renewLeases(String leaseOwner, List<String> ids, Instant until) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET lease_expires_at = :until"
                        + " WHERE lease_owner = :owner AND status = 'processing' AND id IN (<ids>)")
                .bind("until", Micros.of(until))
                .bind("owner", leaseOwner)
                .bindList("ids", ids)
                .execute());
    }

    /** Ends every lease a node holds now, so any node may recover those tasks at once. */
    public int releaseLeases(String leaseOwner, Instant now) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET lease_expires_at = :now"
                        + " WHERE lease_owner = :owner AND status = 'processing'")
                .bind("now", Micros.of(now))
                .bind("owner", leaseOwner)
                .execute());
    }

    /** Soft-deletes every task, of every project, whose expiry has passed. */
    public int softDeleteExpired(Instant now) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET deleted = TRUE, deleted_at = :now"
                        + " WHERE deleted = FALSE AND expires_at IS NOT NULL AND expires_at <= :now")
                .bind("now", Micros.of(now))
                .execute());
    }

    /** Hard-deletes the soft-deleted tasks in the window, details first. */
    public int purge(PurgeWindow window) {
        String victims = window.victims("tasks");
        return jdbi.inTransaction(h -> {
            window.bind(h.createUpdate("DELETE FROM task_info WHERE task_id IN (" + victims + ")")).execute();
            // The first delete leaves the tasks table as it was, so the same subquery picks the same rows.
            return window.bind(h.createUpdate("DELETE FROM tasks WHERE id IN (" + victims + ")")).execute();
        });
    }

    /** Nulls sort as the column type's empty value, as upstream's keyset pagination treats them. */
    private static String sortExpression(String key) {
        if (NULLABLE_TEXT_COLUMNS.contains(key)) {
            return "COALESCE(" + key + ", '')";
        }
        if (key.equals("expires_at") || key.equals("deleted_at")) {
            return "COALESCE(" + key + ", 0)";
        }
        return key;
    }

    private static void bindFilter(Query q, String column, String value, int i) {
        if (TIME_COLUMNS.contains(column)) {
            // A time filter matches the whole second it names; text that is no time matches nothing.
            Optional<Instant> second = Isotime.parse(value);
            q.bind("f" + i, second.map(Micros::of).orElse(Long.MAX_VALUE));
            q.bind("g" + i, second.map(s -> Micros.of(s.plusSeconds(1))).orElse(Long.MIN_VALUE));
        } else {
            q.bind("f" + i, value);
        }
    }

    private static void bindMarkerKey(Query q, String key, Task m) {
        String name = "m_" + key;
        switch (key) {
            case "id" -> q.bind(name, m.id());
            case "type" -> q.bind(name, m.type().wire());
            case "status" -> q.bind(name, m.status().wire());
            case "owner" -> q.bind(name, m.owner());
            case "image_id" -> q.bind(name, m.imageId() == null ? "" : m.imageId());
            case "request_id" -> q.bind(name, m.requestId() == null ? "" : m.requestId());
            case "user_id" -> q.bind(name, m.userId() == null ? "" : m.userId());
            case "created_at" -> q.bind(name, Micros.of(m.createdAt()));
            case "updated_at" -> q.bind(name, Micros.of(m.updatedAt()));
            case "expires_at" -> q.bind(name, m.expiresAt() == null ? 0L : Micros.of(m.expiresAt()));
            case "deleted_at" -> q.bind(name, m.deletedAt() == null ? 0L : Micros.of(m.deletedAt()));
            case "deleted" -> q.bind(name, m.deleted());
            default -> throw new IllegalArgumentException("not a sort key: " + key);
        }
    }

    private Task task(ResultSet rs) throws SQLException {
        return new Task(rs.getString("id"), type(rs), status(rs), rs.getString("owner"),
                read(rs.getString("input")), read(rs.getString("result")), rs.getString("message"),
                Micros.instant(rs, "created_at"), Micros.instant(rs, "updated_at"), Micros.instant(rs, "expires_at"),
                rs.getString("image_id"), rs.getString("request_id"), rs.getString("user_id"),
                rs.getBoolean("deleted"), Micros.instant(rs, "deleted_at"), rs.getInt("attempts"),
                rs.getLong("version"));
    }

    private static TaskSummary summary(ResultSet rs) throws SQLException {
        return new TaskSummary(rs.getString("id"), type(rs), status(rs), rs.getString("owner"),
                Micros.instant(rs, "created_at"), Micros.instant(rs, "updated_at"), Micros.instant(rs, "expires_at"));
    }

    private static TaskType type(ResultSet rs) throws SQLException {
        String wire = rs.getString("type");
        return TaskType.fromWire(wire).orElseThrow(() -> new SQLException("unknown task type in database: " + wire));
    }

    private static TaskStatus status(ResultSet rs) throws SQLException {
        String wire = rs.getString("status");
        return TaskStatus.fromWire(wire)
                .orElseThrow(() -> new SQLException("unknown task status in database: " + wire));
    }

    private String write(JsonNode node) {
        if (node == null) {
            return null;
        }
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
    }

    private JsonNode read(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task details in the database are not JSON", e);
        }
    }
}
