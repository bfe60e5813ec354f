package dev.loupe.engine;

import dev.loupe.task.TaskType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * What the engine counts, by task type and outcome, for {@code /metrics}: this node's p50/p99 directly, and
 * histogram buckets that add up across nodes.
 */
final class EngineMetrics {

    private final MeterRegistry registry;

    EngineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A worker took a new task: pickup is the wait from creation to the claim. */
    void claimed(TaskType type, Duration pickup) {
        Timer.builder("loupe.task.pickup")
                .description("Time from a task's creation until a worker claims it")
                .tag("type", type.wire())
                .publishPercentileHistogram()
                .register(registry)
                .record(pickup);
    }

    void finished(TaskType type, String outcome, Duration duration) {
        Timer.builder("loupe.task.duration")
                .description("Time a worker spent running a task, by outcome")
                .tag("type", type.wire())
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
        count("loupe.tasks.finished", type, outcome);
    }

    /** @param action {@code retried} or {@code failed} */
    void recovered(TaskType type, String action) {
        count("loupe.tasks.recovered", type, action);
    }

    void discarded(TaskType type) {
        count("loupe.tasks.stale.writes", type, "rejected");
    }

    private void count(String name, TaskType type, String outcome) {
        Counter.builder(name)
                .tag("type", type.wire())
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }
}
