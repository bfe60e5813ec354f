package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.task.Task;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What the engine asks its store for when a claim goes wrong. */
class TaskEngineClaimTest {

    /** A store whose first claim fails (the database is unreachable); it records the slots every claim asks for. */
    static final class FailingOnce implements EngineStore {
        final List<Integer> asked = new CopyOnWriteArrayList<>();
        final AtomicBoolean failed = new AtomicBoolean();

        @Override
        public List<Task> claim(String node, int limit, Instant now, Instant leaseUntil) {
            asked.add(limit);
            if (failed.compareAndSet(false, true)) {
                throw new IllegalStateException("the database is down");
            }
            return List.of();
        }

        @Override
        public List<Task> expiredLeases(Instant now, int limit) {
            return List.of();
        }

        @Override
        public Optional<Task> replace(Task before, Task after, String leaseOwner, Instant leaseExpiresAt) {
            return Optional.empty();
        }

        @Override
        public void reportProgress(String id, String leaseOwner, String message, Instant now) {}

        @Override
        public List<Renewal> renewLeases(String leaseOwner, List<String> ids, Instant until) {
            return List.of();
        }

        @Override
        public int releaseLeases(String leaseOwner, Instant now) {
            return 0;
        }
    }

    @Test
    void aClaimThatFailsGivesItsWorkersBackForTheNextClaim() throws Exception {
        FailingOnce store = new FailingOnce();
        EngineSettings settings = new EngineSettings(
                2,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                3,
                Duration.ofSeconds(1),
                Duration.ofHours(48),
                0);
        try (TaskEngine engine = new TaskEngine(
                store, Handlers.none(), settings, "node-a", Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertThatThrownBy(engine::runOnce).hasMessageContaining("the database is down");
            engine.runOnce();
            assertThat(store.asked).as("slots asked for by each claim").containsExactly(2, 2);
        }
    }
}
