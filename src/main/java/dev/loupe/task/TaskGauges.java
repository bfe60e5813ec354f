package dev.loupe.task;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges of the tasks waiting and running on all nodes, by type: {@code loupe_tasks{type, status}} with status
 * {@code pending} or {@code processing}. The counts come from one grouped query, kept for {@link #FRESHNESS}: a storm of
 * scrapes (or many nodes' scrapers) costs the database one query per period. A lock that does not pin a virtual
 * thread makes concurrent scrapes wait for the one query instead of each running it.
 */
public final class TaskGauges {

    public static final Duration FRESHNESS = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(TaskGauges.class);

    private record Snapshot(Map<TaskType, Map<TaskStatus, Long>> counts, long takenAt) {}

    private final Supplier<Map<TaskType, Map<TaskStatus, Long>>> query;
    private final LongSupplier nanoTime;
    private final long freshnessNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Snapshot snapshot;

    /**
     * @param query    the counts of pending and processing tasks by type
     * @param nanoTime a monotonic clock in nanoseconds ({@link System#nanoTime} but in tests)
     */
    TaskGauges(Supplier<Map<TaskType, Map<TaskStatus, Long>>> query, LongSupplier nanoTime, Duration freshness) {
        this.query = query;
        this.nanoTime = nanoTime;
        this.freshnessNanos = freshness.toNanos();
    }

    /** Registers the gauges of the tasks in the repository's database. */
    public static void register(MeterRegistry registry, TaskRepository tasks) {
        new TaskGauges(tasks::countUnfinished, System::nanoTime, FRESHNESS).bindTo(registry);
    }

    void bindTo(MeterRegistry registry) {
        for (TaskType type : TaskType.values()) {
            for (TaskStatus status : new TaskStatus[] {TaskStatus.PENDING, TaskStatus.PROCESSING}) {
                Gauge.builder("loupe.tasks", this, g -> g.count(type, status))
                        .description("Tasks pending or processing on all nodes, by type and status (counted in the"
                                + " database at most every " + FRESHNESS.toSeconds() + " s)")
                        .tag("type", type.wire())
                        .tag("status", status.wire())
                        // Nothing else holds these gauges' source; Micrometer's default weak reference would lose it.
                        .strongReference(true)
                        .register(registry);
            }
        }
    }

    /** The count, from a snapshot at most the freshness period old; NaN when the database cannot be read. */
    double count(TaskType type, TaskStatus status) {
        Snapshot current = fresh();
        if (current.counts() == null) {
            return Double.NaN;
        }
        return current.counts().getOrDefault(type, Map.of()).getOrDefault(status, 0L);
    }

    private Snapshot fresh() {
        Snapshot current = snapshot;
        if (current != null && nanoTime.getAsLong() - current.takenAt() < freshnessNanos) {
            return current;
        }
        lock.lock();
        try {
            current = snapshot;
            if (current != null && nanoTime.getAsLong() - current.takenAt() < freshnessNanos) {
                return current;
            }
            Map<TaskType, Map<TaskStatus, Long>> counts;
            try {
                counts = query.get();
            } catch (RuntimeException e) {
                // A database outage is reported elsewhere (healthcheck, requests); the gauges say NaN meanwhile.
                LOG.debug("Counting pending and processing tasks failed: {}", e.toString());
                counts = null;
            }
            current = new Snapshot(counts, nanoTime.getAsLong());
            snapshot = current;
            return current;
        } finally {
            lock.unlock();
        }
    }
}
