package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node killed with SIGKILL in the middle of a task: the node restarted on the same data directory (and
 * database) finds the task once its lease has run out and retries it, or fails it when no attempt is left. On each
 * database Loupe runs on (a subclass per database).
 */
abstract class CrashRecoveryContract {

    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration GENEROUS = Duration.ofSeconds(30);
    private static final String[] SHORT_LEASES = {
        "task.lease_duration=2", "task.heartbeat_interval=0.5", "task.poll_interval=0.5"
    };

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

    @Test
    void aTaskCutOffBySigkillIsRetriedByTheRestartedNode() {
        Path data = dir.resolve("data");
        String[] settings = Databases.with(connection, SHORT_LEASES);
        String id;
        long killed;
        try (LoupeProcess first = TestNode.start(dir, data, 3, settings)) {
            Client firstApi = first.awaitReady(START);
            id = firstApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            first.awaitLine(TestNode.STARTED + id + " attempt 1", GENEROUS);
            assertThat(firstApi.show(id, ADMIN).get("status").textValue()).isEqualTo("processing");
            first.kill();
            killed = System.nanoTime();
            assertThat(first.line(TestNode.FINISHED))
                    .as("killed before the handler finished")
                    .isEmpty();
        }
        TaskRows rows = Databases.rows(connection, data);
        TaskRows.Row orphan = rows.row(id);
        assertThat(orphan.status()).isEqualTo("processing");
        assertThat(orphan.attempts()).isEqualTo(1);
        assertThat(orphan.leaseOwner()).isNotNull();

        try (LoupeProcess second = TestNode.start(dir, data, 0, settings)) {
            Client secondApi = second.awaitReady(START);
            long ready = System.nanoTime();
            second.awaitLine(TestNode.STARTED + id + " attempt 2", GENEROUS);
            long recovered = System.nanoTime();
            TaskRows.Row done = rows.await(id, GENEROUS, r -> r.status().equals("success"));
            long succeeded = System.nanoTime();

            assertThat(done.attempts()).isEqualTo(2);
            assertThat(done.leaseOwner()).isNull();
            assertThat(done.version()).as("claim, retry, success").isEqualTo(orphan.version() + 2);
            JsonNode view = secondApi.show(id, ADMIN);
            assertThat(view.get("status").textValue()).isEqualTo("success");
            assertThat(view.get("result").get("attempt").intValue()).isEqualTo(2);
            assertThat(view.get("message").textValue()).isEmpty();
            assertThat(view.has("expires_at")).isTrue();
            assertThat(second.stdout())
                    .filteredOn(l -> l.startsWith(TestNode.STARTED))
                    .hasSize(1);
            System.out.printf(
                    "CrashRecovery retry on %s: lease 2 s, poll 0.5 s; kill->restart ready %d ms,"
                            + " restart ready->retried %d ms (kill->retried %d ms), ready->success %d ms;"
                            + " in database time, the dead lease ended %d ms before the success was written%n",
                    Databases.name(connection),
                    ms(ready - killed),
                    ms(recovered - ready),
                    ms(recovered - killed),
                    ms(succeeded - ready),
                    (done.updatedAt() - orphan.leaseExpiresAt()) / 1000);
        }
    }

    @Test
    void aTaskCutOffBySigkillOnItsLastAttemptIsFailedByTheRestartedNode() {
        Path data = dir.resolve("data");
        String[] settings =
                Databases.with(connection, SHORT_LEASES[0], SHORT_LEASES[1], SHORT_LEASES[2], "task.max_attempts=1");
        String id;
        long killed;
        try (LoupeProcess first = TestNode.start(dir, data, 3, settings)) {
            Client firstApi = first.awaitReady(START);
            id = firstApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            first.awaitLine(TestNode.STARTED + id + " attempt 1", GENEROUS);
            assertThat(firstApi.show(id, ADMIN).get("status").textValue()).isEqualTo("processing");
            first.kill();
            killed = System.nanoTime();
        }
        TaskRows rows = Databases.rows(connection, data);
        TaskRows.Row orphan = rows.row(id);
        assertThat(orphan.status()).isEqualTo("processing");

        try (LoupeProcess second = TestNode.start(dir, data, 0, settings)) {
            Client secondApi = second.awaitReady(START);
            long ready = System.nanoTime();
            TaskRows.Row failed = rows.await(id, GENEROUS, r -> !r.status().equals("processing"));
            long recovered = System.nanoTime();

            assertThat(failed.status()).isEqualTo("failure");
            assertThat(failed.message()).isEqualTo("Task interrupted: the worker running it stopped (attempt 1 of 1)");
            assertThat(failed.attempts()).isEqualTo(1);
            assertThat(failed.leaseOwner()).isNull();
            assertThat(failed.expiresAt()).isNotNull();
            JsonNode view = secondApi.show(id, ADMIN);
            assertThat(view.get("status").textValue()).isEqualTo("failure");
            assertThat(view.get("message").textValue())
                    .isEqualTo("Task interrupted: the worker running it stopped (attempt 1 of 1)");
            assertThat(view.has("expires_at")).isTrue();
            // a task created now runs in a later claim round; the one out of attempts still does not
            String later =
                    secondApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            second.awaitLine(TestNode.FINISHED + later + " attempt 1", GENEROUS);
            assertThat(second.line(TestNode.STARTED + id))
                    .as("a task out of attempts is not run again")
                    .isEmpty();
            System.out.printf(
                    "CrashRecovery fail on %s: lease 2 s, poll 0.5 s; kill->restart ready %d ms,"
                            + " restart ready->failed %d ms (kill->failed %d ms); in database time, the dead lease"
                            + " ended %d ms before the failure was written%n",
                    Databases.name(connection),
                    ms(ready - killed),
                    ms(recovered - ready),
                    ms(recovered - killed),
                    (failed.updatedAt() - orphan.leaseExpiresAt()) / 1000);
        }
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
