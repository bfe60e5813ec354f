package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.engine.TaskHandler;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nodes on PostgreSQL compare leases and expiry against the database's clock, so a node whose own clock is a minute
 * off takes over no live lease and expires nothing early (nor leaves expired tasks alone).
 */
class ClockSkewIT {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "clock off by {0} s")
    @ValueSource(ints = {60, -60})
    void aNodeWhoseClockIsAMinuteOffTakesOverNoLiveLeaseAndExpiresNothingEarly(int skewSeconds) throws Exception {
        String database = Postgres.freshDatabase();
        String live;
        String expiresSoon;
        String expired;
        // Every node of a cluster runs with the same intervals: a periodic job's next run is the last runner's say.
        try (LoupeServer api =
                LoupeServer.start(dir.resolve("api"), "database.connection=" + database, "task.expiry_interval=0.1")) {
            Client client = api.client();
            live = client.createImportTask(Client.ADMIN_A).get("id").textValue();
            expiresSoon = client.createImportTask(Client.ADMIN_A).get("id").textValue();
            expired = client.createImportTask(Client.ADMIN_A).get("id").textValue();
        }
        TaskRows rows = new TaskRows(database);
        long inHalfAMinute = TaskRows.micros(Instant.now().plusSeconds(30));
        // Another node runs this one, and its lease has half a minute to go.
        rows.execute(
                "UPDATE tasks SET status = 'processing', attempts = 1, lease_owner = 'node-elsewhere',"
                        + " lease_expires_at = ?, version = version + 1 WHERE id = ?",
                inHalfAMinute,
                live);
        rows.finish(expiresSoon, inHalfAMinute);
        rows.finish(expired, TaskRows.micros(Instant.now().minusSeconds(1)));

        AtomicInteger runs = new AtomicInteger();
        TaskHandler counting = new TaskHandler() {
            @Override
            public com.fasterxml.jackson.databind.JsonNode run(dev.loupe.engine.TaskRun run) {
                runs.incrementAndGet();
                return null;
            }

            @Override
            public boolean safeToRetry() {
                return true;
            }
        };
        Clock skewed = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(skewSeconds));
        Config config = Config.load(
                null,
                List.of(
                        "database.connection=" + database,
                        "task.expiry_interval=0.1",
                        "task.poll_interval=0.1",
                        "DEFAULT.bind_port=0"),
                dir.resolve("skewed"));
        try (Loupe node = Loupe.start(config, skewed, Role.WORKER, h -> h.with(TaskType.IMPORT, counting))) {
            // Its expiry sweep runs: the task that expired a second ago goes...
            rows.awaitDeleted(expired, Duration.ofSeconds(10));
            // ...and a claim round finds nothing to take over.
            assertThat(node.engine().orElseThrow().runOnce()).isZero();
        }
        assertThat(runs).hasValue(0);
        TaskRows.Row stillLive = rows.row(live);
        assertThat(stillLive.status()).isEqualTo("processing");
        assertThat(stillLive.leaseOwner()).isEqualTo("node-elsewhere");
        assertThat(stillLive.attempts()).isEqualTo(1);
        assertThat(rows.deletion(expiresSoon).deleted())
                .as("expires in half a minute")
                .isFalse();
    }
}
