package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Two nodes (2 workers each) on one database run 1,000 tasks created through both of their APIs: every task
 * succeeds, every one ran exactly once, and both nodes did part of the work. On each database Loupe runs on (a
 * subclass per database).
 */
abstract class ExactlyOnceContract {

    private static final int TASKS = 1000;

    @TempDir
    Path dir;

    /** A new, empty database of the kind under test: its {@code [database] connection}, empty for SQLite's file. */
    abstract String freshConnection();

    /** Records each run in the map both nodes share, and which node ran it. */
    record Recording(String node, Map<String, AtomicInteger> runs, AtomicInteger mine) implements TaskHandler {
        @Override
        public JsonNode run(TaskRun run) throws InterruptedException {
            runs.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
            mine.incrementAndGet();
            Thread.sleep(3);
            return JsonNodeFactory.instance.objectNode().put("node", node);
        }

        @Override
        public boolean safeToRetry() {
            return true;
        }
    }

    @Test
    void fourWorkersOnTwoNodesRunEachOfAThousandTasksExactlyOnce() throws Exception {
        Logger engineLog = (Logger) LoggerFactory.getLogger(TaskEngine.class);
        Level before = engineLog.getLevel();
        engineLog.setLevel(Level.WARN); // 3,000 INFO lines would bury the report
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        AtomicInteger ranOnOne = new AtomicInteger();
        AtomicInteger ranOnTwo = new AtomicInteger();
        String connection = freshConnection();
        String[] settings = Databases.with(
                connection, "taskflow_executor.max_workers=2", "task.poll_interval=0.2", "DEFAULT.api_limit_max=1000");
        long start = System.nanoTime();
        try (LoupeServer one = LoupeServer.withWorkers(
                        dir,
                        handlers -> handlers.with(TaskType.IMPORT, new Recording("one", runs, ranOnOne)),
                        settings);
                LoupeServer two = LoupeServer.withWorkers(
                        dir,
                        handlers -> handlers.with(TaskType.IMPORT, new Recording("two", runs, ranOnTwo)),
                        settings);
                ExecutorService creators = Executors.newFixedThreadPool(8)) {
            List<Client> clients = List.of(one.client(), two.client());
            List<Future<String>> creates = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                Client client = clients.get(i % 2);
                creates.add(creators.submit(
                        () -> client.createImportTask(Client.ADMIN_A).get("id").textValue()));
            }
            Set<String> ids = new HashSet<>();
            for (Future<String> create : creates) {
                ids.add(create.get());
            }
            assertThat(ids).hasSize(TASKS);
            long created = System.nanoTime();

            TaskRows rows = Databases.rows(connection, dir);
            Map<String, Integer> counts = Await.until(
                    Duration.ofSeconds(45),
                    rows::statusCounts,
                    byStatus -> byStatus.getOrDefault("success", 0) == TASKS,
                    TASKS + " successes");
            long finished = System.nanoTime();
            assertThat(counts).as("tasks by status").isEqualTo(Map.of("success", TASKS));

            // the API agrees: one page of 1,000 successes, exactly the tasks created
            HttpResponse<String> listed = one.client().get("/v2/tasks?status=success&limit=1000", Client.ADMIN_A);
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            Set<String> listedIds = new HashSet<>();
            Client.json(listed)
                    .get("tasks")
                    .forEach(t -> listedIds.add(t.get("id").textValue()));
            assertThat(listedIds).isEqualTo(ids);

            // a claim round on each node now finds nothing: nothing may run again
            assertThat(one.engine().orElseThrow().runOnce()).isZero();
            assertThat(two.engine().orElseThrow().runOnce()).isZero();
            assertThat(runs.keySet()).isEqualTo(ids);
            Map<String, Integer> notOnce = new ConcurrentHashMap<>();
            runs.forEach((id, n) -> {
                if (n.get() != 1) {
                    notOnce.put(id, n.get());
                }
            });
            assertThat(notOnce).as("tasks that did not run exactly once").isEmpty();
            assertThat(ranOnOne.get() + ranOnTwo.get()).isEqualTo(TASKS);
            assertThat(ranOnOne.get()).as("node one ran some").isPositive();
            assertThat(ranOnTwo.get()).as("node two ran some").isPositive();
            System.out.printf(
                    "ExactlyOnce on %s: %d tasks created in %d ms, all finished %d ms later;"
                            + " node one ran %d, node two ran %d%n",
                    Databases.name(connection),
                    TASKS,
                    (created - start) / 1_000_000,
                    (finished - created) / 1_000_000,
                    ranOnOne.get(),
                    ranOnTwo.get());
        } finally {
            engineLog.setLevel(before);
        }
    }
}
