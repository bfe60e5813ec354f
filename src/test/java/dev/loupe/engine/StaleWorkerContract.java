package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end in this JVM: node one's heartbeat is too slow for its lease (as if it had stalled), so node two
 * recovers the task while node one's handler is still running; node one's late result is then discarded. On each
 * database Loupe runs on (a subclass per database).
 */
abstract class StaleWorkerContract {

    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    /** Node one: its lease runs out long before its first heartbeat, and it never polls on its own. */
    private static final String[] STALLED = {
        "task.lease_duration=0.5", "task.heartbeat_interval=60", "task.poll_interval=60"
    };

    private static final String[] RESCUER = {"task.poll_interval=0.2"};

    @TempDir
    Path dir;

    /** The {@code [database] connection} of this test's database; empty for SQLite's file in the data dir. */
    private String connection;

    /** A new, empty database of the kind under test: its {@code [database] connection}, empty for SQLite's file. */
    abstract String freshConnection();

    @BeforeEach
    void database() {
        connection = freshConnection();
    }

    /** Runs until released, then answers with its node's name; counts its runs. */
    record Gated(
            String node,
            boolean safeToRetry,
            CountDownLatch entered,
            CountDownLatch release,
            Map<String, AtomicInteger> runs)
            implements TaskHandler {
        Gated(String node, boolean safeToRetry, boolean blocks) {
            this(
                    node,
                    safeToRetry,
                    new CountDownLatch(1),
                    new CountDownLatch(blocks ? 1 : 0),
                    new ConcurrentHashMap<>());
        }

        @Override
        public JsonNode run(TaskRun run) throws InterruptedException {
            runs.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
            entered.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return JsonNodeFactory.instance
                    .objectNode()
                    .put("node", node)
                    .put("attempt", run.task().attempts());
        }
    }

    static UnaryOperator<Handlers> imports(TaskHandler handler) {
        return handlers -> handlers.with(TaskType.IMPORT, handler);
    }

    @Test
    void aRetrySafeTaskIsTakenOverAndTheStaleWorkersLateSuccessIsDiscarded() throws Exception {
        Gated one = new Gated("one", true, true);
        Gated two = new Gated("two", true, false);
        try (LoupeServer nodeOne = LoupeServer.withWorkers(dir, imports(one), Databases.with(connection, STALLED))) {
            String id = nodeOne.client().createImportTask(ADMIN).get("id").textValue();
            assertThat(one.entered().await(10, TimeUnit.SECONDS)).isTrue();
            TaskRows rows = Databases.rows(connection, dir);
            String firstOwner = rows.row(id).leaseOwner();

            TaskRows.Row takenOver;
            try (LoupeServer nodeTwo =
                    LoupeServer.withWorkers(dir, imports(two), Databases.with(connection, RESCUER))) {
                JsonNode done = nodeTwo.client().awaitStatus(id, ADMIN, "success", Duration.ofSeconds(10));
                assertThat(done.get("result"))
                        .isEqualTo(JsonNodeFactory.instance
                                .objectNode()
                                .put("node", "two")
                                .put("attempt", 2));
                takenOver = rows.row(id);
                assertThat(takenOver.attempts()).isEqualTo(2);
                assertThat(takenOver.leaseOwner()).isNull();
            }

            // node one's handler now returns: its write must not land
            one.release().countDown();
            awaitMetric(nodeOne.client(), "loupe_tasks_stale_writes_total", "1.0");
            assertThat(rows.row(id)).isEqualTo(takenOver);
            assertThat(rows.row(id).leaseOwner()).isNotEqualTo(firstOwner);
            assertThat(one.runs().get(id).get()).isEqualTo(1);
            assertThat(two.runs().get(id).get()).isEqualTo(1);
            assertThat(nodeOne.client()
                            .show(id, ADMIN)
                            .get("result")
                            .get("node")
                            .textValue())
                    .isEqualTo("two");
        }
    }

    @Test
    void aTaskThatIsNotSafeToRetryIsFailedOnTakeoverAndTheLateSuccessIsDiscarded() throws Exception {
        Gated one = new Gated("one", false, true);
        Gated two = new Gated("two", false, false);
        try (LoupeServer nodeOne = LoupeServer.withWorkers(dir, imports(one), Databases.with(connection, STALLED))) {
            String id = nodeOne.client().createImportTask(ADMIN).get("id").textValue();
            assertThat(one.entered().await(10, TimeUnit.SECONDS)).isTrue();
            TaskRows rows = Databases.rows(connection, dir);

            TaskRows.Row failed;
            try (LoupeServer nodeTwo =
                    LoupeServer.withWorkers(dir, imports(two), Databases.with(connection, RESCUER))) {
                JsonNode view = nodeTwo.client().awaitStatus(id, ADMIN, "failure", Duration.ofSeconds(10));
                assertThat(view.get("message").textValue())
                        .isEqualTo("Task interrupted: the worker running it stopped (attempt 1 of 3)");
                failed = rows.row(id);
                assertThat(failed.attempts()).isEqualTo(1);
                assertThat(two.runs()).as("not started over").isEmpty();
            }

            one.release().countDown();
            awaitMetric(nodeOne.client(), "loupe_tasks_stale_writes_total", "1.0");
            assertThat(rows.row(id)).isEqualTo(failed);
            assertThat(nodeOne.client().show(id, ADMIN).get("status").textValue())
                    .isEqualTo("failure");
        }
    }

    private static void awaitMetric(Client client, String name, String value) {
        Await.until(
                Duration.ofSeconds(10),
                () -> client.get("/metrics", Client.ANONYMOUS).body(),
                scrape -> scrape.lines().anyMatch(l -> l.startsWith(name + "{") && l.endsWith(" " + value)),
                name + " = " + value);
    }
}
