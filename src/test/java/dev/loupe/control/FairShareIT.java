package dev.loupe.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.TaskHandler;
import dev.loupe.engine.TaskRun;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claims are fair between projects, and a project's running tasks can be capped across nodes. */
class FairShareIT {

    @TempDir
    Path dir;

    /** Records the order tasks start in, and lets each finish only when the test says. */
    static final class Gate implements TaskHandler {
        final List<String> started = Collections.synchronizedList(new ArrayList<>());
        final Semaphore finishA = new Semaphore(0);
        final Semaphore finishB = new Semaphore(0);
        final AtomicInteger runningA = new AtomicInteger();
        final AtomicInteger mostRunningA = new AtomicInteger();

        @Override
        public JsonNode run(TaskRun run) throws InterruptedException {
            String project = run.task().owner();
            started.add(project);
            boolean a = project.equals("proj-a");
            if (a) {
                mostRunningA.accumulateAndGet(runningA.incrementAndGet(), Math::max);
            }
            try {
                if (!(a ? finishA : finishB).tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the task finish");
                }
            } finally {
                if (a) {
                    runningA.decrementAndGet();
                }
            }
            return null;
        }

        @Override
        public boolean safeToRetry() {
            return true;
        }
    }

    @Test
    void aProjectsFirstTasksStartBeforeAnotherProjectsBacklogGoesOn() {
        Gate gate = new Gate();
        try (LoupeServer server =
                LoupeServer.withWorkers(dir, h -> h.with(TaskType.IMPORT, gate), "task.poll_interval=0.2")) {
            Client client = server.client();
            for (int i = 0; i < 500; i++) {
                client.createImportTask(Client.ADMIN_A);
            }
            // Glance's default of 10 workers, all busy with A's tasks.
            Await.until(Duration.ofSeconds(30), () -> gate.started.size() == 10, "the workers to fill up");
            for (int i = 0; i < 5; i++) {
                client.createImportTask(Client.ADMIN_B);
            }
            // Each of A's tasks that finishes frees a worker: B, with fewer running, takes it until all five run.
            for (int i = 0; i < 7; i++) {
                int before = gate.started.size();
                gate.finishA.release();
                Await.until(Duration.ofSeconds(30), () -> gate.started.size() > before, "the next claim");
            }
            List<String> order = List.copyOf(gate.started);
            assertThat(order.subList(0, 10)).containsOnly("proj-a");
            assertThat(order.subList(10, 15))
                    .as("claims after B's five were created: %s", order)
                    .containsOnly("proj-b");
            assertThat(order.subList(15, order.size())).containsOnly("proj-a");
            gate.finishA.release(1000);
            gate.finishB.release(5);
        }
    }

    @Test
    void aCapHoldsAcrossThreeNodes() {
        String database = Postgres.freshDatabase();
        Gate gate = new Gate();
        String[] options = {
            "database.connection=" + database,
            "task.max_running_per_project=2",
            "taskflow_executor.max_workers=4",
            "task.poll_interval=0.1"
        };
        List<LoupeServer> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                nodes.add(
                        LoupeServer.withWorkers(dir.resolve("node-" + i), h -> h.with(TaskType.IMPORT, gate), options));
            }
            Client client = nodes.getFirst().client();
            for (int i = 0; i < 20; i++) {
                client.createImportTask(Client.ADMIN_A);
            }
            for (int i = 0; i < 3; i++) {
                client.createImportTask(Client.ADMIN_B);
            }
            // Two of A's and two of B's run (B's third waits for its cap too); the other workers stay idle.
            // Each of A's 18 others starts only when one of its running two finishes.
            Await.until(Duration.ofSeconds(30), () -> gate.started.size() == 4, "two tasks of each project");
            for (int i = 0; i < 18; i++) {
                int before = gate.started.size();
                gate.finishA.release();
                Await.until(Duration.ofSeconds(30), () -> gate.started.size() > before, "the next claim");
                assertThat(gate.runningA.get()).isLessThanOrEqualTo(2);
            }
            gate.finishA.release(100);
            gate.finishB.release(100);
            assertThat(gate.mostRunningA.get())
                    .as("A's tasks running at once, at most")
                    .isEqualTo(2);
        } finally {
            nodes.forEach(LoupeServer::close);
        }
    }
}
