package dev.loupe.engine;

import static dev.loupe.engine.CrashRecoveryContract.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a real node: running tasks get the shutdown grace to finish; what is still running after it is
 * released, so the next node recovers it at once instead of after the lease.
 */
class ShutdownDrainIT {

    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aTaskShorterThanTheGraceFinishesBeforeTheProcessExitsZero() {
        Path data = dir.resolve("data");
        // one worker, so the second task waits: after SIGTERM nothing new may be claimed
        try (LoupeProcess node =
                TestNode.start(dir, data, 3, "taskflow_executor.max_workers=1", "task.poll_interval=0.5")) {
            Client nodeApi = node.awaitReady(START);
            String running =
                    nodeApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            node.awaitLine(TestNode.STARTED + running + " attempt 1", GENEROUS);
            String waiting =
                    nodeApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            assertThat(nodeApi.show(waiting, ADMIN).get("status").textValue()).isEqualTo("pending");

            long sigterm = System.nanoTime();
            node.terminate();
            int exit = node.exitCode(Duration.ofSeconds(40));
            long exited = System.nanoTime();
            assertThat(exit)
                    .as("exit code after SIGTERM\nstderr:\n" + node.stderr())
                    .isZero();
            assertThat(node.line(TestNode.FINISHED + running))
                    .as("the handler ran to its end\nstdout:\n%s\nstderr:\n%s", node.stdout(), node.stderr())
                    .isPresent();

            TaskRows rows = new TaskRows(data);
            TaskRows.Row done = rows.row(running);
            assertThat(done.status()).isEqualTo("success");
            assertThat(done.attempts()).isEqualTo(1);
            assertThat(done.leaseOwner()).isNull();
            assertThat(done.result()).contains("\"attempt\":1");
            TaskRows.Row untouched = rows.row(waiting);
            assertThat(untouched.status()).as("not claimed while draining").isEqualTo("pending");
            assertThat(untouched.attempts()).isZero();
            assertThat(untouched.leaseOwner()).isNull();
            System.out.printf(
                    "ShutdownDrainIT drain: SIGTERM->exit 0 in %d ms with a 3 s task running%n", ms(exited - sigterm));
        }
    }

    @Test
    void aTaskLongerThanTheGraceIsReleasedAndTheNextNodeRecoversItAtOnce() {
        Path data = dir.resolve("data");
        // a 60 s lease: only the release lets the next node recover it before the 20 s timeout below
        String[] settings = {"task.shutdown_grace=1", "task.poll_interval=0.5", "task.lease_duration=60"};
        String id;
        try (LoupeProcess node = TestNode.start(dir, data, 20, settings)) {
            Client nodeApi = node.awaitReady(START);
            id = nodeApi.createImportTask(ADMIN, TestNode.SOURCE).get("id").textValue();
            node.awaitLine(TestNode.STARTED + id + " attempt 1", GENEROUS);

            long sigterm = System.nanoTime();
            node.terminate();
            int exit = node.exitCode(Duration.ofSeconds(40));
            long exited = System.nanoTime();
            assertThat(exit)
                    .as("exit code after SIGTERM\nstderr:\n" + node.stderr())
                    .isZero();
            assertThat(node.line(TestNode.FINISHED))
                    .as("exited without waiting for the 20 s task to end")
                    .isEmpty();
            System.out.printf(
                    "ShutdownDrainIT release: grace 1 s, SIGTERM->exit 0 in %d ms with a 20 s task" + " running%n",
                    ms(exited - sigterm));
        }
        TaskRows rows = new TaskRows(data);
        TaskRows.Row released = rows.row(id);
        assertThat(released.status()).isEqualTo("processing");
        assertThat(released.attempts()).isEqualTo(1);
        assertThat(released.leaseExpiresAt())
                .as("lease released")
                .isNotNull()
                .isLessThanOrEqualTo(TaskRows.micros(Instant.now()));
        assertThat(released.message()).isEmpty();

        try (LoupeProcess next = TestNode.start(dir, data, 0, settings)) {
            Client nextApi = next.awaitReady(START);
            long ready = System.nanoTime();
            next.awaitLine(TestNode.STARTED + id + " attempt 2", Duration.ofSeconds(20));
            long recovered = System.nanoTime();
            TaskRows.Row done =
                    rows.await(id, Duration.ofSeconds(20), r -> r.status().equals("success"));
            assertThat(done.attempts()).isEqualTo(2);
            assertThat(done.leaseOwner()).isNull();
            assertThat(nextApi.show(id, ADMIN).get("result").get("attempt").intValue())
                    .isEqualTo(2);
            System.out.printf(
                    "ShutdownDrainIT release: restart ready->retried %d ms (lease 60 s)%n", ms(recovered - ready));
        }
    }
}
