package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.TaskHandler;
import dev.loupe.engine.TaskRun;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.TaskRows;
import dev.loupe.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL gone for 20 s while tasks run: the API answers 503 within the pool timeout instead of hanging, the
 * health check says so, the workers' outcomes wait for the database (their leases outlast the outage), and once it
 * is back every task ends as it would have, run once.
 */
class DatabaseOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final Pattern PORT = Pattern.compile("//([^:/]+):(\\d+)/");

    @TempDir
    Path dir;

    @Test
    void aTwentySecondOutageCostsNoRerunAndTheApiSays503Meanwhile() throws Exception {
        String direct = Postgres.freshDatabase();
        Matcher at = PORT.matcher(direct);
        assertThat(at.find()).isTrue();
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        int tasks = 3;
        CountDownLatch allStarted = new CountDownLatch(tasks);
        TaskHandler slow = new TaskHandler() {
            @Override
            public JsonNode run(TaskRun run) throws InterruptedException {
                runs.computeIfAbsent(run.task().id(), k -> new AtomicInteger()).incrementAndGet();
                allStarted.countDown();
                // Finishes while the database is away: the outcome has to wait for it.
                Thread.sleep(5_000);
                return null;
            }

            @Override
            public boolean safeToRetry() {
                return true;
            }
        };
        try (TcpProxy proxy = new TcpProxy(at.group(1), Integer.parseInt(at.group(2)));
                LoupeServer server = LoupeServer.withWorkers(
                        dir,
                        h -> h.with(TaskType.IMPORT, slow),
                        "database.connection=" + at.replaceFirst("//127.0.0.1:" + proxy.port() + "/"),
                        "task.poll_interval=0.2")) {
            Client client = server.client();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                ids.add(client.createImportTask(Client.ADMIN_A).get("id").textValue());
            }
            assertThat(allStarted.await(10, TimeUnit.SECONDS)).isTrue();

            proxy.cut();
            long cutAt = System.nanoTime();
            long asked = System.nanoTime();
            HttpResponse<String> show = client.get("/v2/tasks/" + ids.getFirst(), Client.ADMIN_A);
            Duration answeredIn = Duration.ofNanos(System.nanoTime() - asked);
            assertThat(show.statusCode()).as(show.body()).isEqualTo(503);
            assertThat(show.body()).contains("database");
            // pool_timeout is 5 s; the answer comes then, not after a hang
            assertThat(answeredIn).isLessThan(Duration.ofSeconds(9));
            HttpResponse<String> health = client.get("/healthcheck", Client.ANONYMOUS);
            assertThat(health.statusCode()).isEqualTo(503);
            // The outage lasts its 20 s: a duration the test sets, not a wait for something to happen.
            Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - cutAt) / 1_000_000));
            proxy.restore();

            for (String id : ids) {
                client.awaitStatus(id, Client.ADMIN_A, "success", Duration.ofSeconds(30));
            }
            assertThat(client.get("/healthcheck", Client.ANONYMOUS).statusCode())
                    .isEqualTo(200);
            assertThat(runs).containsOnlyKeys(ids);
            assertThat(runs.values()).as("no task ran twice").allMatch(n -> n.get() == 1);
            TaskRows rows = new TaskRows(direct);
            for (String id : ids) {
                assertThat(rows.row(id).attempts()).isEqualTo(1);
            }
            System.out.printf(
                    "DatabaseOutageIT: 503 after %d ms; %d tasks finished once%n", answeredIn.toMillis(), tasks);
        }
    }
}
