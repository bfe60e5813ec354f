package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.compat.PythonJson;
import dev.loupe.db.Database;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskRowMapper;
import dev.loupe.task.TaskStatus;
import dev.loupe.task.TaskType;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine store's rules, on each database Loupe runs on (a subclass per database): claims take the oldest pending
 * tasks and never the same one twice, however many claim at once; every other state change is a versioned replace,
 * so a worker that lost its task (its lease ran out and another node took it over) can write nothing back, renew
 * nothing, and releasing leases touches only the releasing node's processing rows.
 */
abstract class EngineStoreContract {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofHours(48);
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00.123456Z");

    @TempDir
    Path dir;

    private Database db;
    private TaskRepository repo;
    private SqlEngineStore store;
    private TaskRows rows;

    /** A new, empty database of the kind under test: its {@code [database] connection}. */
    abstract String freshConnection();

    @BeforeEach
    void open() {
        String connection = freshConnection();
        db = Database.open(connection, dir);
        TaskRowMapper mapper = new TaskRowMapper(PythonJson.mapper());
        repo = new TaskRepository(db, mapper);
        store = new SqlEngineStore(db, mapper, 0);
        rows = connection.isEmpty() ? new TaskRows(dir) : new TaskRows(connection);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private Task insert(String id, Instant createdAt) {
        return insert(id, "proj-a", createdAt);
    }

    private Task insert(String id, String owner, Instant createdAt) {
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("import_from", "http://example.com/x.raw");
        Task task = Task.create(id, TaskType.IMPORT, owner, input, null, "req-" + id, "user-a", createdAt);
        repo.insert(task, null);
        return repo.find(id).orElseThrow();
    }

    private Task insert(Instant createdAt) {
        return insert(UUID.randomUUID().toString(), createdAt);
    }

    /** Leases one given task to a node, as the recovery path's versioned replace does. */
    private Task lease(Task pending, String node, Instant now) {
        return store.replace(pending, pending.beginProcessing(now), node, now.plus(LEASE))
                .orElseThrow();
    }

    private static JsonNode result(String text) {
        return JsonNodeFactory.instance.objectNode().put("done_by", text);
    }

    @Test
    void aClaimMovesTheTaskAsBeginProcessingDescribesAndSetsTheLease() {
        Task pending = insert(T0);
        assertThat(pending.version()).isZero();
        assertThat(pending.attempts()).isZero();
        assertThat(rows.row(pending.id()).leaseOwner()).isNull();

        Instant now = T0.plusSeconds(1);
        List<Task> claimed = store.claim("node-a", 10, now, now.plus(LEASE));

        assertThat(claimed).containsExactly(pending.beginProcessing(now).withVersion(1));
        assertThat(repo.find(pending.id()).orElseThrow()).isEqualTo(claimed.getFirst());
        TaskRows.Row row = rows.row(pending.id());
        assertThat(row.status()).isEqualTo("processing");
        assertThat(row.leaseOwner()).isEqualTo("node-a");
        assertThat(row.leaseExpiresAt()).isEqualTo(TaskRows.micros(now.plus(LEASE)));
        assertThat(row.version()).isEqualTo(1);
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(store.claim("node-b", 10, now, now.plus(LEASE)))
                .as("nothing left")
                .isEmpty();
    }

    @Test
    void claimsTakeTheOldestPendingTasksFirstAndSkipDeletedAndRunningOnes() {
        // inserted out of order, and with ids whose order differs from their creation order
        Task third = insert("aaaaaaaa-0000-0000-0000-000000000003", T0.plusSeconds(3));
        Task first = insert("cccccccc-0000-0000-0000-000000000001", T0.plusSeconds(1));
        Task fourthTie = insert("bbbbbbbb-0000-0000-0000-000000000004", T0.plusSeconds(4));
        Task second = insert("dddddddd-0000-0000-0000-000000000002", T0.plusSeconds(2));
        Task fifthTie = insert("cccccccc-0000-0000-0000-000000000005", T0.plusSeconds(4));
        Task running = insert("00000000-0000-0000-0000-000000000000", T0);
        lease(running, "node-a", T0.plusSeconds(5));
        Task deleted = insert("00000000-0000-0000-0000-00000000000d", T0);
        rows.execute("UPDATE tasks SET deleted = TRUE, deleted_at = ? WHERE id = ?", TaskRows.micros(T0), deleted.id());

        Instant now = T0.plusSeconds(10);
        assertThat(store.claim("node-b", 2, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactly(first.id(), second.id());
        assertThat(store.claim("node-b", 10, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactly(third.id(), fourthTie.id(), fifthTie.id());
        assertThat(rows.row(deleted.id()).status()).isEqualTo("pending");
        assertThat(rows.row(running.id()).leaseOwner()).isEqualTo("node-a");
    }

    @Test
    void aLargeClaimTakesAsManyTasksAsAskedOldestFirst() {
        // more than one PostgreSQL claim statement takes (16): the rest come in further statements
        List<String> oldestFirst = new java.util.ArrayList<>();
        for (int i = 0; i < 45; i++) {
            oldestFirst.add(insert(T0.plusMillis(i)).id());
        }

        Instant now = T0.plusSeconds(10);
        assertThat(store.claim("node-a", 40, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactlyElementsOf(oldestFirst.subList(0, 40));
        assertThat(store.claim("node-a", 40, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactlyElementsOf(oldestFirst.subList(40, 45));
    }

    @Test
    void aClaimGivesEachSlotToTheProjectWithTheFewestRunningThenTheOldestWaitingTask() {
        // A: 3 running and an older backlog; B: four younger tasks; C: one, younger still
        for (int i = 0; i < 3; i++) {
            lease(insert("a-running-" + i, "proj-a", T0), "node-a", T0);
        }
        for (int i = 0; i < 6; i++) {
            insert("a-" + i, "proj-a", T0.plusSeconds(1 + i));
        }
        for (int i = 0; i < 4; i++) {
            insert("b-" + i, "proj-b", T0.plusSeconds(10 + i));
        }
        insert("c-0", "proj-c", T0.plusSeconds(20));

        Instant now = T0.plusSeconds(30);
        // B then C (0 running each, B's task older), B (1), B (2), then A and B tie at 3: A's waiting task is older
        assertThat(store.claim("node-b", 5, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactly("a-0", "b-0", "b-1", "b-2", "c-0");
        // A 4 running, B 3: B's last, then A's
        assertThat(store.claim("node-b", 2, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactly("a-1", "b-3");
    }

    @Test
    void aCappedClaimLeavesAProjectAtItsCap() {
        SqlEngineStore capped = new SqlEngineStore(db, new TaskRowMapper(PythonJson.mapper()), 2);
        lease(insert("a-running", "proj-a", T0), "node-a", T0);
        for (int i = 0; i < 5; i++) {
            insert("a-" + i, "proj-a", T0.plusSeconds(1 + i));
        }
        insert("b-0", "proj-b", T0.plusSeconds(10));

        Instant now = T0.plusSeconds(30);
        assertThat(capped.claim("node-b", 10, now, now.plus(LEASE)))
                .extracting(Task::id)
                .containsExactly("a-0", "b-0");
        assertThat(capped.claim("node-b", 10, now, now.plus(LEASE))).isEmpty();
    }

    @Test
    void aClaimStartsTheAttemptWithACleanMessage() {
        Task pending = insert(T0);
        rows.execute("UPDATE tasks SET message = 'Copied 35 MiB of 60 MiB' WHERE id = ?", pending.id());
        Instant now = T0.plusSeconds(1);
        assertThat(store.claim("node-a", 1, now, now.plus(LEASE)).getFirst().message())
                .isEmpty();
        assertThat(rows.row(pending.id()).message()).isEmpty();
    }

    @Test
    void claimersRunningAtOnceNeverGetTheSameTask() throws Exception {
        int tasks = 400;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add(insert(T0.plusMillis(i)).id());
        }
        int claimers = 6;
        List<Future<List<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(claimers)) {
            CountDownLatch start = new CountDownLatch(1);
            for (int c = 0; c < claimers; c++) {
                String node = "node-" + c;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    Instant now = T0.plusSeconds(1);
                    List<Task> batch;
                    do {
                        batch = store.claim(node, 7, now, now.plus(LEASE));
                        batch.forEach(t -> mine.add(t.id()));
                    } while (!batch.isEmpty());
                    return mine;
                }));
            }
            start.countDown();
        }
        List<String> claimed = new ArrayList<>();
        for (Future<List<String>> result : results) {
            claimed.addAll(result.get());
        }
        assertThat(claimed).hasSize(tasks).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(rows.statusCounts()).containsExactly(Map.entry("processing", tasks));
    }

    @Test
    void aStaleWorkersLateWritesAreRejectedAfterATakeover() {
        Task pending = insert(T0);
        Instant claimedAt = T0.plusSeconds(1);
        Task staleCopy = lease(pending, "node-a", claimedAt);

        // node-a goes quiet; its lease is live until claimedAt + LEASE, so nobody may take the task yet
        assertThat(store.expiredLeases(claimedAt.plus(LEASE).minusSeconds(1), 10))
                .isEmpty();

        // after the lease ran out node-b recovers the task
        Instant takeover = claimedAt.plus(LEASE).plusSeconds(1);
        List<Task> expired = store.expiredLeases(takeover, 10);
        assertThat(expired).extracting(Task::id).containsExactly(pending.id());
        Task orphan = expired.getFirst();
        assertThat(orphan).isEqualTo(staleCopy);
        Task owned = store.replace(orphan, orphan.retry(takeover), "node-b", takeover.plus(LEASE))
                .orElseThrow();
        assertThat(owned.attempts()).isEqualTo(2);
        assertThat(owned.version()).isEqualTo(2);
        TaskRows.Row takenOver = rows.row(pending.id());
        assertThat(takenOver.status()).isEqualTo("processing");
        assertThat(takenOver.leaseOwner()).isEqualTo("node-b");
        assertThat(takenOver.leaseExpiresAt()).isEqualTo(TaskRows.micros(takeover.plus(LEASE)));
        assertThat(takenOver.version()).isEqualTo(2);
        assertThat(takenOver.attempts()).isEqualTo(2);
        assertThat(takenOver.message()).isEmpty();
        assertThat(takenOver.result()).isNull();
        assertThat(takenOver.expiresAt()).isNull();

        // node-a wakes up and tries to finish: success and failure are both refused, nothing changes
        Instant late = takeover.plusSeconds(2);
        assertThat(store.replace(staleCopy, staleCopy.succeed(result("node-a"), late, TTL), null, null))
                .isEmpty();
        assertThat(rows.row(pending.id())).isEqualTo(takenOver);
        assertThat(store.replace(staleCopy, staleCopy.fail("node-a says no", late, TTL), null, null))
                .isEmpty();
        assertThat(rows.row(pending.id())).isEqualTo(takenOver);
        // nor can it take the task back as a "retry" of its old copy
        assertThat(store.replace(staleCopy, staleCopy.retry(late), "node-a", late.plus(LEASE)))
                .isEmpty();
        assertThat(rows.row(pending.id())).isEqualTo(takenOver);

        // its heartbeat renews nothing either
        assertThat(store.renewLeases("node-a", List.of(pending.id()), late.plus(LEASE)))
                .isEmpty();
        assertThat(rows.row(pending.id())).isEqualTo(takenOver);

        // the new owner's heartbeat and finish go through
        assertThat(store.renewLeases("node-b", List.of(pending.id()), late.plus(LEASE)))
                .extracting(EngineStore.Renewal::id)
                .containsExactly(pending.id());
        assertThat(rows.row(pending.id()).leaseExpiresAt()).isEqualTo(TaskRows.micros(late.plus(LEASE)));
        assertThat(rows.row(pending.id()).version())
                .as("a renewal does not bump the version, so the owner's copy stays current")
                .isEqualTo(2);
        Task done = store.replace(owned, owned.succeed(result("node-b"), late, TTL), null, null)
                .orElseThrow();
        TaskRows.Row finished = rows.row(pending.id());
        assertThat(finished.status()).isEqualTo("success");
        assertThat(finished.leaseOwner()).isNull();
        assertThat(finished.leaseExpiresAt()).isNull();
        assertThat(finished.version()).isEqualTo(3).isEqualTo(done.version());
        assertThat(finished.attempts()).isEqualTo(2);
        assertThat(finished.result()).isEqualTo("{\"done_by\":\"node-b\"}");
        assertThat(finished.expiresAt()).isEqualTo(TaskRows.micros(late.plus(TTL)));

        // and a finished task is no longer anybody's: not expired, not renewable, not writable by the stale copy
        assertThat(store.expiredLeases(late.plus(Duration.ofDays(365)), 10)).isEmpty();
        assertThat(store.renewLeases("node-b", List.of(pending.id()), late.plus(LEASE)))
                .isEmpty();
        assertThat(store.replace(staleCopy, staleCopy.succeed(result("node-a"), late, TTL), null, null))
                .isEmpty();
        assertThat(rows.row(pending.id())).isEqualTo(finished);
    }

    @Test
    void renewalsExtendOnlyTheOwnersListedProcessingTasks() {
        Instant now = T0.plusSeconds(1);
        Task a1 = lease(insert(T0), "node-a", now);
        Task a2 = lease(insert(T0.plusMillis(1)), "node-a", now);
        Task b1 = lease(insert(T0.plusMillis(2)), "node-b", now);
        Instant until = now.plus(LEASE).plusSeconds(10);

        assertThat(store.renewLeases("node-a", List.of(a1.id(), b1.id()), until))
                .extracting(EngineStore.Renewal::id)
                .containsExactly(a1.id());

        assertThat(rows.row(a1.id()).leaseExpiresAt()).isEqualTo(TaskRows.micros(until));
        assertThat(rows.row(a2.id()).leaseExpiresAt()).as("not listed").isEqualTo(TaskRows.micros(now.plus(LEASE)));
        assertThat(rows.row(b1.id()).leaseExpiresAt()).as("another node's").isEqualTo(TaskRows.micros(now.plus(LEASE)));
    }

    @Test
    void releasingLeasesTouchesOnlyTheNodesOwnProcessingRows() {
        Instant now = T0.plusSeconds(1);
        Task mine = lease(insert(T0), "node-a", now);
        Task theirs = lease(insert(T0.plusMillis(1)), "node-b", now);
        Task pending = insert(T0.plusMillis(2));
        Task finishedMine = lease(insert(T0.plusMillis(3)), "node-a", now);
        store.replace(finishedMine, finishedMine.succeed(null, now, TTL), null, null)
                .orElseThrow();
        // a finished row that (somehow) still names node-a as lease owner must not be touched either
        Task oddFinished = lease(insert(T0.plusMillis(4)), "node-a", now);
        store.replace(oddFinished, oddFinished.fail("x", now, TTL), null, null).orElseThrow();
        long far = TaskRows.micros(now.plus(Duration.ofDays(1)));
        assertThat(rows.execute(
                        "UPDATE tasks SET lease_owner = 'node-a', lease_expires_at = ? WHERE id = ?",
                        far,
                        oddFinished.id()))
                .isEqualTo(1);

        TaskRows.Row theirsBefore = rows.row(theirs.id());
        TaskRows.Row pendingBefore = rows.row(pending.id());
        TaskRows.Row finishedBefore = rows.row(finishedMine.id());
        TaskRows.Row oddBefore = rows.row(oddFinished.id());
        TaskRows.Row mineBefore = rows.row(mine.id());

        Instant stop = now.plusSeconds(5);
        assertThat(store.releaseLeases("node-a", stop)).isEqualTo(1);

        TaskRows.Row mineAfter = rows.row(mine.id());
        assertThat(mineAfter.leaseExpiresAt()).isEqualTo(TaskRows.micros(stop));
        assertThat(mineAfter)
                .as("only the lease end changes")
                .isEqualTo(new TaskRows.Row(
                        mineBefore.id(),
                        mineBefore.status(),
                        mineBefore.attempts(),
                        mineBefore.version(),
                        mineBefore.leaseOwner(),
                        TaskRows.micros(stop),
                        mineBefore.expiresAt(),
                        mineBefore.updatedAt(),
                        mineBefore.message(),
                        mineBefore.result()));
        assertThat(rows.row(theirs.id())).isEqualTo(theirsBefore);
        assertThat(rows.row(pending.id())).isEqualTo(pendingBefore);
        assertThat(rows.row(finishedMine.id())).isEqualTo(finishedBefore);
        assertThat(rows.row(oddFinished.id())).isEqualTo(oddBefore);

        // a released task is recoverable at once; the other node's is not
        assertThat(store.expiredLeases(stop.plus(1, ChronoUnit.MICROS), 10))
                .extracting(Task::id)
                .containsExactly(mine.id());
        // the released copy is still current, so whoever recovers it needs no re-read
        Task recovered =
                store.expiredLeases(stop.plus(1, ChronoUnit.MICROS), 10).getFirst();
        assertThat(recovered.version()).isEqualTo(mine.version());
        assertThat(store.releaseLeases("node-c", stop)).isZero();
    }

    @Test
    void expiredLeasesListsOnlyProcessingTasksWhoseLeaseRanOutOldestFirst() {
        Instant now = T0.plusSeconds(100);
        Task early = insert(T0);
        Task late = insert(T0.plusMillis(1));
        Task live = insert(T0.plusMillis(2));
        insert(T0.plusMillis(3)); // pending: never "expired"
        store.replace(late, late.beginProcessing(T0), "node-a", now.minusSeconds(1))
                .orElseThrow();
        store.replace(early, early.beginProcessing(T0), "node-a", now.minusSeconds(50))
                .orElseThrow();
        store.replace(live, live.beginProcessing(T0), "node-a", now.plusSeconds(1))
                .orElseThrow();

        assertThat(store.expiredLeases(now, 10)).extracting(Task::id).containsExactly(early.id(), late.id());
        assertThat(store.expiredLeases(now, 1)).extracting(Task::id).containsExactly(early.id());
    }

    @Test
    void replaceWritesResultAndMessageWithTheRowAndOnlyWhenTheVersionMatches() {
        Task pending = insert(T0);
        Task claimed = lease(pending, "node-a", T0.plusSeconds(1));
        Optional<Task> failed = store.replace(claimed, claimed.fail("it broke", T0.plusSeconds(2), TTL), null, null);
        assertThat(failed).isPresent();
        Task stored = repo.find(pending.id()).orElseThrow();
        assertThat(stored).isEqualTo(failed.get());
        assertThat(stored.status()).isEqualTo(TaskStatus.FAILURE);
        assertThat(stored.message()).isEqualTo("it broke");
        assertThat(stored.expiresAt()).isEqualTo(T0.plusSeconds(2).plus(TTL));
        // the claim copy is now stale as well
        assertThat(store.replace(claimed, claimed.succeed(result("late"), T0.plusSeconds(3), TTL), null, null))
                .isEmpty();
        assertThat(repo.find(pending.id()).orElseThrow()).isEqualTo(stored);
    }
}
