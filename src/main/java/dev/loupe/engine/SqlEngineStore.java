package dev.loupe.engine;

import dev.loupe.db.Database;
import dev.loupe.db.Micros;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRowMapper;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The engine's store in the SQL that SQLite and PostgreSQL share, but where PostgreSQL does in one statement what
 * SQLite does in several: on PostgreSQL a claim is one statement (two with a per-project cap) whose claimers skip
 * the rows another claimer holds ({@code FOR UPDATE SKIP LOCKED}), and a replace is one statement; SQLite has one
 * writer at a time, and the statements of a transaction cost it no round trips.
 *
 * <p>Claims are fair between projects: each free slot goes to the project with the fewest running tasks, then to the
 * one whose oldest pending task is oldest, so one project's backlog never holds up another's first task; and
 * {@code max_running_per_project} caps one project's running tasks across the cluster.
 */
public final class SqlEngineStore implements EngineStore {

    /** The projects with pending tasks: each one's oldest pending task and its running tasks (a loose index scan). */
    private static final String WAITING_PROJECTS = "WITH RECURSIVE owners(owner) AS ("
            + " SELECT MIN(owner) FROM tasks WHERE status = 'pending' AND deleted = FALSE"
            + " UNION ALL SELECT (SELECT MIN(t.owner) FROM tasks t WHERE t.status = 'pending' AND t.deleted = FALSE"
            + " AND t.owner > o.owner) FROM owners o WHERE o.owner IS NOT NULL)"
            + " SELECT o.owner,"
            + " (SELECT MIN(p.created_at) FROM tasks p WHERE p.status = 'pending' AND p.deleted = FALSE"
            + " AND p.owner = o.owner) AS oldest,"
            + " (SELECT COUNT(*) FROM tasks r WHERE r.status = 'processing' AND r.owner = o.owner) AS running"
            + " FROM owners o WHERE o.owner IS NOT NULL";

    /**
     * PostgreSQL's claim in one statement, fair share included. Each waiting project offers its oldest pending tasks
     * that no other claimer holds ({@code SKIP LOCKED} inside the per-project scan, so claimers at once take the
     * next tasks rather than none); its k-th task (from 0) would make it run {@code running + k}, and the
     * {@code :limit} offers that leave the least running win, ties to the project whose oldest pending task is
     * oldest. Offers not taken are unlocked at the statement's end. The claimed tasks' messages are cleared, and the
     * rows come back as {@link TaskRowMapper} reads them.
     */
    private static final String PG_CLAIM = "WITH RECURSIVE owners(owner) AS ("
            + " SELECT MIN(owner) FROM tasks WHERE status = 'pending' AND deleted = FALSE"
            + " UNION ALL SELECT (SELECT MIN(t.owner) FROM tasks t WHERE t.status = 'pending' AND t.deleted = FALSE"
            + " AND t.owner > o.owner) FROM owners o WHERE o.owner IS NOT NULL),"
            + " waiting AS (SELECT o.owner,"
            + " (SELECT MIN(p.created_at) FROM tasks p WHERE p.status = 'pending' AND p.deleted = FALSE"
            + " AND p.owner = o.owner) AS oldest,"
            + " (SELECT COUNT(*) FROM tasks r WHERE r.status = 'processing' AND r.owner = o.owner) AS running"
            + " FROM owners o WHERE o.owner IS NOT NULL <owners>),"
            + " offers AS (SELECT c.id, w.running + c.k AS load, w.oldest, w.owner FROM waiting w CROSS JOIN LATERAL"
            + " (SELECT l.id, ROW_NUMBER() OVER (ORDER BY l.created_at, l.id) - 1 AS k FROM"
            + " (SELECT p.id, p.created_at FROM tasks p WHERE p.status = 'pending' AND p.deleted = FALSE"
            + " AND p.owner = w.owner ORDER BY p.created_at, p.id LIMIT <perProject> FOR UPDATE SKIP LOCKED) l) c),"
            + " claimed AS (UPDATE tasks t SET status = 'processing', attempts = t.attempts + 1, updated_at = :now,"
            + " lease_owner = :node, lease_expires_at = :until, message = '', version = t.version + 1"
            + " WHERE t.id = ANY(ARRAY(SELECT id FROM offers ORDER BY load, oldest, owner LIMIT :limit))"
            + " RETURNING t.*)"
            + " SELECT " + TaskRowMapper.COLUMNS + " FROM claimed c ORDER BY c.created_at, c.id";

    /**
     * The projects a capped PostgreSQL claim may give slots to (below the cap; only the {@code :limit} least busy can
     * get one), each locked for this transaction; one another node is claiming for is left to that node this round.
     */
    private static final String PG_LOCK_PROJECTS = "SELECT owner FROM (SELECT owner FROM (" + WAITING_PROJECTS
            + ") w WHERE running < :cap ORDER BY running, oldest, owner LIMIT :limit) fewest"
            + " WHERE pg_try_advisory_xact_lock(:space, hashtext(owner))";

    /** A namespace for the advisory locks that make a project's running count hold while a claim caps it. */
    private static final int PROJECT_LOCKS = 0x4c6f7570;

    private record Waiting(String owner, long oldest, long running, long pending) {}

    /**
     * {@link #PG_CLAIM} without a cap, in plain JDBC's parameters (limit per project, now, node, until, limit): every
     * task pays for a claim, and a JDBI handle cost more than the statement's round trip. The limits are read through
     * a sub-select, which the planner cannot see into. A plain bound LIMIT is known to a plan made for the call's
     * values and guessed (a tenth of the pending tasks) by PostgreSQL's generic plan, which then costs more: every
     * claim was planned again (pg_stat_statements at 40,000 tasks: one plan per call, taking as long as the claim
     * ran). Guessed in both, they cost the same, and the generic plan is kept after the first five.
     */
    private static final String PG_CLAIM_UNCAPPED = PG_CLAIM.replace("<owners>", "")
            .replace("<perProject>", ":limit")
            .replace(":now", "?")
            .replace(":node", "?")
            .replace(":until", "?")
            .replace(":limit", "(SELECT CAST(? AS INTEGER))");

    /** A worker's write of its task's new state, if no other worker has written it since ({@code version}). */
    private static final String REPLACE_TASK = "UPDATE tasks SET status = :status, expires_at = :expires_at,"
            + " updated_at = :updated_at, attempts = :attempts, lease_owner = :lease_owner,"
            + " lease_expires_at = :lease_expires_at, result = :result, message = :message, version = version + 1"
            + " WHERE id = :id AND version = :version";

    /**
     * {@link #REPLACE_TASK} in plain JDBC's parameters, in the same order, for PostgreSQL: outside any transaction
     * (one round trip), without a JDBI handle.
     */
    private static final String PG_REPLACE = REPLACE_TASK.replaceAll(":[a-z_]+", "?") + " RETURNING id";

    private final Database database;
    private final Jdbi jdbi;
    private final TaskRowMapper rows;
    private final boolean postgres;
    private final int maxRunningPerProject;

    /** @param maxRunningPerProject the most tasks of one project running at once, on all nodes; 0 for no cap */
    public SqlEngineStore(Database database, TaskRowMapper rows, int maxRunningPerProject) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.rows = rows;
        this.postgres = database.dialect() == Database.Dialect.POSTGRESQL;
        this.maxRunningPerProject = maxRunningPerProject;
    }

    @Override
    public List<Task> claim(String node, int limit, Instant now, Instant leaseUntil) {
        if (!postgres) {
            return claimOneWriter(node, limit, now, leaseUntil);
        }
        if (maxRunningPerProject == 0) {
            // One statement, no transaction around it: one round trip.
            return database.write(
                    PG_CLAIM_UNCAPPED,
                    statement -> {
                        statement.setInt(1, limit);
                        statement.setLong(2, Micros.of(now));
                        statement.setString(3, node);
                        statement.setLong(4, Micros.of(leaseUntil));
                        statement.setInt(5, limit);
                    },
                    found -> {
                        List<Task> claimed = new ArrayList<>(limit);
                        while (found.next()) {
                            claimed.add(rows.map(found, null));
                        }
                        return claimed;
                    });
        }
        // The cap needs each project's running count read after no other claimer can change it: the projects are
        // locked first, and the claim's own statement, with a snapshot taken after that, counts what runs.
        return jdbi.inTransaction(h -> {
            List<String> owners = h.createQuery(PG_LOCK_PROJECTS)
                    .bind("cap", maxRunningPerProject)
                    .bind("limit", limit)
                    .bind("space", PROJECT_LOCKS)
                    .mapTo(String.class)
                    .list();
            if (owners.isEmpty()) {
                return List.<Task>of();
            }
            return claimStatement(
                    h,
                    "AND o.owner IN (<locked>)",
                    "GREATEST(0, LEAST(:limit, :cap - w.running))",
                    owners,
                    node,
                    limit,
                    now,
                    leaseUntil);
        });
    }

    private List<Task> claimStatement(
            Handle h,
            String owners,
            String perProject,
            List<String> locked,
            String node,
            int limit,
            Instant now,
            Instant leaseUntil) {
        // Put in as text, not defined: JDBI renders a template once, and the owners' filter holds a list to bind.
        var query = h.createQuery(PG_CLAIM.replace("<owners>", owners).replace("<perProject>", perProject))
                .bind("now", Micros.of(now))
                .bind("node", node)
                .bind("until", Micros.of(leaseUntil))
                .bind("limit", limit);
        if (locked != null) {
            query.bindList("locked", locked).bind("cap", maxRunningPerProject);
        }
        return query.map(rows).list();
    }

    /** SQLite's claim: one writer at a time, so the fair shares are worked out here between statements. */
    private List<Task> claimOneWriter(String node, int limit, Instant now, Instant leaseUntil) {
        return jdbi.inTransaction(h -> {
            // With how many tasks each project waits, up to the slots: a project is given no slot it cannot use.
            List<Waiting> waiting = h.createQuery("SELECT w.owner, w.oldest, w.running, (SELECT COUNT(*) FROM"
                            + " (SELECT 1 FROM tasks q WHERE q.status = 'pending' AND q.deleted = FALSE"
                            + " AND q.owner = w.owner LIMIT :limit) u) AS pending FROM (" + WAITING_PROJECTS + ") w")
                    .bind("limit", limit)
                    .map((rs, ctx) -> new Waiting(
                            rs.getString("owner"), rs.getLong("oldest"), rs.getLong("running"), rs.getLong("pending")))
                    .list();
            List<Task> claimed = new ArrayList<>();
            for (Map.Entry<String, Integer> share : shares(waiting, limit).entrySet()) {
                int wanted = share.getValue();
                if (maxRunningPerProject > 0) {
                    wanted = withinCap(h, share.getKey(), wanted);
                }
                if (wanted > 0) {
                    claimed.addAll(h.createQuery("UPDATE tasks SET status = 'processing', attempts = attempts + 1,"
                                    + " updated_at = :now, lease_owner = :node, lease_expires_at = :until,"
                                    + " message = '', version = version + 1 WHERE id IN (SELECT id FROM tasks"
                                    + " WHERE status = 'pending' AND deleted = FALSE AND owner = :owner"
                                    + " ORDER BY created_at, id LIMIT :limit) RETURNING " + TaskRowMapper.COLUMNS)
                            .bind("now", Micros.of(now))
                            .bind("node", node)
                            .bind("until", Micros.of(leaseUntil))
                            .bind("owner", share.getKey())
                            .bind("limit", wanted)
                            .map(rows)
                            .list());
                }
            }
            // The claimed rows, as the update returned them, oldest first across the projects.
            claimed.sort(Comparator.comparing(Task::createdAt).thenComparing(Task::id));
            return claimed;
        });
    }

    /**
     * How many of {@code slots} each project gets: one at a time to the project with the fewest running (counting
     * those given here), ties to the oldest waiting task; capped projects get none past the cap, and none gets more
     * than it has waiting.
     */
    private Map<String, Integer> shares(List<Waiting> waiting, int slots) {
        Map<String, Integer> shares = new LinkedHashMap<>();
        PriorityQueue<long[]> next =
                new PriorityQueue<>(Comparator.<long[]>comparingLong(w -> w[0]).thenComparingLong(w -> w[1]));
        for (int i = 0; i < waiting.size(); i++) {
            next.add(new long[] {waiting.get(i).running(), waiting.get(i).oldest(), i});
        }
        int given = 0;
        while (given < slots && !next.isEmpty()) {
            long[] project = next.poll();
            Waiting candidate = waiting.get((int) project[2]);
            if ((maxRunningPerProject > 0 && project[0] >= maxRunningPerProject)
                    || shares.getOrDefault(candidate.owner(), 0) >= candidate.pending()) {
                continue;
            }
            shares.merge(candidate.owner(), 1, Integer::sum);
            given++;
            // The next of its tasks is younger than its oldest; after one more running it may still be the least busy.
            next.add(new long[] {project[0] + 1, project[1], project[2]});
        }
        return shares;
    }

    /** What of {@code wanted} the project's cap leaves (SQLite: no other writer can change the count meanwhile). */
    private int withinCap(Handle h, String owner, int wanted) {
        long running = h.createQuery("SELECT COUNT(*) FROM tasks WHERE status = 'processing' AND owner = :owner")
                .bind("owner", owner)
                .mapTo(Long.class)
                .one();
        return (int) Math.max(0, Math.min(wanted, maxRunningPerProject - running));
    }

    @Override
    public List<Task> expiredLeases(Instant now, int limit) {
        // A row another transaction holds is left for the next round: a node paused (SIGSTOP) in the middle of
        // renewing its leases keeps their rows locked until it resumes, and waiting on it would stall every recovery.
        return jdbi.withHandle(h -> h.createQuery(TaskRowMapper.SELECT + " WHERE t.status = 'processing'"
                        + " AND (t.lease_expires_at IS NULL OR t.lease_expires_at < :now)"
                        + " ORDER BY t.lease_expires_at LIMIT :limit"
                        + (postgres ? " FOR UPDATE OF t SKIP LOCKED" : ""))
                .bind("now", Micros.of(now))
                .bind("limit", limit)
                .map(rows)
                .list());
    }

    @Override
    public Optional<Task> replace(Task before, Task after, String leaseOwner, Instant leaseExpiresAt) {
        if (postgres) {
            boolean written = database.write(
                    PG_REPLACE,
                    statement -> {
                        statement.setString(1, after.status().wire());
                        statement.setObject(2, Micros.of(after.expiresAt()), Types.BIGINT);
                        statement.setObject(3, Micros.of(after.updatedAt()), Types.BIGINT);
                        statement.setInt(4, after.attempts());
                        statement.setString(5, leaseOwner);
                        statement.setObject(6, Micros.of(leaseExpiresAt), Types.BIGINT);
                        statement.setString(7, rows.write(after.result()));
                        statement.setString(8, after.message());
                        statement.setString(9, before.id());
                        statement.setLong(10, before.version());
                    },
                    ResultSet::next);
            return written ? Optional.of(after.withVersion(before.version() + 1)) : Optional.empty();
        }
        int changed = jdbi.inTransaction(h -> h.createUpdate(REPLACE_TASK)
                .bind("status", after.status().wire())
                .bind("expires_at", Micros.of(after.expiresAt()))
                .bind("updated_at", Micros.of(after.updatedAt()))
                .bind("attempts", after.attempts())
                .bind("lease_owner", leaseOwner)
                .bind("lease_expires_at", Micros.of(leaseExpiresAt))
                .bind("result", rows.write(after.result()))
                .bind("message", after.message())
                .bind("id", before.id())
                .bind("version", before.version())
                .execute());
        return changed == 1 ? Optional.of(after.withVersion(before.version() + 1)) : Optional.empty();
    }

    @Override
    public void reportProgress(String id, String leaseOwner, String message, Instant now) {
        jdbi.useTransaction(h -> h.createUpdate("UPDATE tasks SET updated_at = :now, message = :message"
                        + " WHERE id = :id AND lease_owner = :owner AND status = 'processing'")
                .bind("now", Micros.of(now))
                .bind("message", message)
                .bind("id", id)
                .bind("owner", leaseOwner)
                .execute());
    }

    @Override
    public List<Renewal> renewLeases(String leaseOwner, List<String> ids, Instant until) {
        return jdbi.inTransaction(h -> h.createQuery("UPDATE tasks SET lease_expires_at = :until"
                        + " WHERE lease_owner = :owner AND status = 'processing' AND id IN (<ids>)"
                        + " RETURNING id, cancel_reason")
                .bind("until", Micros.of(until))
                .bind("owner", leaseOwner)
                .bindList("ids", ids)
                .map((rs, ctx) -> new Renewal(rs.getString("id"), rs.getString("cancel_reason")))
                .list());
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
