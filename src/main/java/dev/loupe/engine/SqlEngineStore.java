package dev.loupe.engine;

import dev.loupe.db.Database;
import dev.loupe.db.Micros;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRowMapper;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The engine's store in the SQL that SQLite and PostgreSQL share, but for the claim's row locks: on PostgreSQL,
 * claimers skip the rows another claimer holds ({@code FOR UPDATE SKIP LOCKED}); SQLite has one writer at a time.
 */
public final class SqlEngineStore implements EngineStore {

    private final Jdbi jdbi;
    private final TaskRowMapper rows;
    private final String skipLocked;

    public SqlEngineStore(Jdbi jdbi, TaskRowMapper rows, Database.Dialect dialect) {
        this.jdbi = jdbi;
        this.rows = rows;
        this.skipLocked = dialect == Database.Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }

    @Override
    public List<Task> claim(String node, int limit, Instant now, Instant leaseUntil) {
        return jdbi.inTransaction(h -> {
            List<String> ids = h.createQuery("UPDATE tasks SET status = 'processing', attempts = attempts + 1,"
                            + " updated_at = :now, lease_owner = :node, lease_expires_at = :until,"
                            + " version = version + 1 WHERE id IN (SELECT id FROM tasks WHERE status = 'pending'"
                            + " AND deleted = FALSE ORDER BY created_at, id LIMIT :limit" + skipLocked + ")"
                            + " RETURNING id")
                    .bind("now", Micros.of(now))
                    .bind("node", node)
                    .bind("until", Micros.of(leaseUntil))
                    .bind("limit", limit)
                    .mapTo(String.class)
                    .list();
            if (ids.isEmpty()) {
                return List.<Task>of();
            }
            h.createUpdate("UPDATE task_info SET message = '' WHERE task_id IN (<ids>)")
                    .bindList("ids", ids)
                    .execute();
            return h.createQuery(TaskRowMapper.SELECT + " WHERE t.id IN (<ids>) ORDER BY t.created_at, t.id")
                    .bindList("ids", ids)
                    .map(rows)
                    .list();
        });
    }

    @Override
    public List<Task> expiredLeases(Instant now, int limit) {
        return jdbi.withHandle(h -> h.createQuery(TaskRowMapper.SELECT + " WHERE t.status = 'processing'"
                        + " AND (t.lease_expires_at IS NULL OR t.lease_expires_at < :now)"
                        + " ORDER BY t.lease_expires_at LIMIT :limit")
                .bind("now", Micros.of(now))
                .bind("limit", limit)
                .map(rows)
                .list());
    }

    @Override
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
                    .bind("result", rows.write(after.result()))
                    .bind("message", after.message())
                    .bind("id", before.id())
                    .execute();
            return Optional.of(after.withVersion(before.version() + 1));
        });
    }

    @Override
    public void reportProgress(String id, String leaseOwner, String message, Instant now) {
        jdbi.useTransaction(h -> {
            int owned = h.createUpdate("UPDATE tasks SET updated_at = :now"
                            + " WHERE id = :id AND lease_owner = :owner AND status = 'processing'")
                    .bind("now", Micros.of(now))
                    .bind("id", id)
                    .bind("owner", leaseOwner)
                    .execute();
            if (owned == 1) {
                h.createUpdate("UPDATE task_info SET message = :message WHERE task_id = :id")
                        .bind("message", message)
                        .bind("id", id)
                        .execute();
            }
        });
    }

    @Override
    public Set<String> renewLeases(String leaseOwner, List<String> ids, Instant until) {
        return jdbi.inTransaction(h -> Set.copyOf(h.createQuery("UPDATE tasks SET lease_expires_at = :until"
                        + " WHERE lease_owner = :owner AND status = 'processing' AND id IN (<ids>) RETURNING id")
                .bind("until", Micros.of(until))
                .bind("owner", leaseOwner)
                .bindList("ids", ids)
                .mapTo(String.class)
                .list()));
    }

    @Override
    public int releaseLeases(String leaseOwner, Instant now) {
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE tasks SET lease_expires_at = :now"
                        + " WHERE lease_owner = :owner AND status = 'processing'")
                .bind("now", Micros.of(now))
                .bind("owner", leaseOwner)
                .execute());
    }
}
