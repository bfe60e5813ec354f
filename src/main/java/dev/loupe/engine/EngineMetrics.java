package dev.loupe.engine;

import dev.loupe.task.TaskType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the engine counts, by task type and outcome, for {@code /metrics}: histograms with fixed buckets that add up
 * across nodes. An import may run for hours and a task may wait long in a busy queue, so the buckets reach hours
 * (Micrometer's default histogram stops at 30 s, and everything longer would land in {@code +Inf} alone).
 */
final class EngineMetrics {

    /** From a tenth of a second to a day. */
    static final Duration[] DURATION_BUCKETS =
            seconds(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400);
    /**
     * From a millisecond (a wake-up on an idle node) to hours (a long queue), fine where the pickup targets are
     * (10 ms, 20 ms, 100 ms): bench/cluster.py reads its quantiles from these buckets.
     */
    static final Duration[] PICKUP_BUCKETS = seconds(
            0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15,
            0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400);

    private final MeterRegistry registry;
    /** The meters every task touches, found once: building and looking up a meter's id costs more than recording. */
    private final Map<TaskType, Timer> pickups = new ConcurrentHashMap<>();

    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Counter> finishes = new ConcurrentHashMap<>();

    EngineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A worker took a new task: pickup is the wait from creation to the claim. */
    void claimed(TaskType type, Duration pickup) {
        pickups.computeIfAbsent(
                        type,
                        t -> Timer.builder("loupe.task.pickup")
                                .description("Time from a task's creation until a worker claims it")
                                .tag("type", t.wire())
                                .serviceLevelObjectives(PICKUP_BUCKETS)
                                .register(registry))
                .record(pickup);
    }

    void finished(TaskType type, String outcome, Duration duration) {
        String key = type.wire() + ' ' + outcome;
        durations
                .computeIfAbsent(
                        key,
                        k -> Timer.builder("loupe.task.duration")
                                .description("Time a worker spent running a task, by outcome")
                                .tag("type", type.wire())
                                .tag("outcome", outcome)
                                .serviceLevelObjectives(DURATION_BUCKETS)
                                .register(registry))
                .record(duration);
        finishes.computeIfAbsent(
                        key,
                        k -> counter(
                                "loupe.tasks.finished", "Tasks this node ran to an end, by outcome", type, outcome))
                .increment();
    }

    /** @param action {@code retried} or {@code failed} */
    void recovered(TaskType type, String action) {
        count(
                "loupe.tasks.recovered",
                "Tasks this node took over from a stopped worker, by what it did with them (retried or failed)",
                type,
                action);
    }

    void discarded(TaskType type) {
        count(
                "loupe.tasks.stale.writes",
                "Outcomes this node discarded because another worker had taken the task over",
                type,
                "rejected");
    }

    private void count(String name, String description, TaskType type, String outcome) {
        counter(name, description, type, outcome).increment();
    }

    private Counter counter(String name, String description, TaskType type, String outcome) {
        return Counter.builder(name)
                .description(description)
                .tag("type", type.wire())
                .tag("outcome", outcome)
                .register(registry);
    }

    private static Duration[] seconds(double... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return durations;
    }
}
