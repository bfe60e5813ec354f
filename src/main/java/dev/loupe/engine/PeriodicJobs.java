package dev.loupe.engine;

import dev.loupe.db.Micros;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs that must run once per interval across all nodes (expiry, the import sweep). Every node looks often; the
 * one whose update moves the job's {@code next_run_at} forward, compared on the database's clock, runs it, and the
 * others find it not due. A node that dies mid-run costs one interval, never a double run in the next.
 */
public final class PeriodicJobs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PeriodicJobs.class);
    private static final Duration SHORTEST_LOOK = Duration.ofMillis(50);
    private static final Duration LONGEST_LOOK = Duration.ofSeconds(10);

    private record Job(Duration interval, Runnable work) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final String node;
    private final MeterRegistry registry;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private ScheduledExecutorService timer;

    /** @param clock the database's clock, so that nodes agree on when a job is due */
    public PeriodicJobs(Jdbi jdbi, Clock clock, String node, MeterRegistry registry) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.node = node;
        this.registry = registry;
    }

    /** Registers a job; jobs are registered before {@link #start()}. A failing run is logged and retried next time. */
    public PeriodicJobs every(String name, Duration interval, Runnable work) {
        if (timer != null) {
            throw new IllegalStateException("jobs are registered before the start");
        }
        jobs.put(name, new Job(interval, work));
        return this;
    }

    public PeriodicJobs start() {
        jdbi.useTransaction(h -> {
            for (String name : jobs.keySet()) {
                h.createUpdate("INSERT INTO periodic_jobs (name, next_run_at) VALUES (:name, 0)"
                                + " ON CONFLICT (name) DO NOTHING")
                        .bind("name", name)
                        .execute();
            }
        });
        timer = Executors.newScheduledThreadPool(
                Math.max(1, jobs.size()),
                Thread.ofPlatform().name("periodic-", 1).daemon().factory());
        jobs.forEach((name, job) -> {
            // Looking four times per interval keeps a run at most a quarter interval late.
            long look = Math.clamp(job.interval().toMillis() / 4, SHORTEST_LOOK.toMillis(), LONGEST_LOOK.toMillis());
            timer.scheduleWithFixedDelay(() -> runIfDue(name, job), 0, look, TimeUnit.MILLISECONDS);
        });
        return this;
    }

    /**
     * Runs the job if it is due and this node is the one that takes it.
     *
     * @return whether this node ran it
     */
    private boolean runIfDue(String name, Job job) {
        try {
            if (!take(name, job.interval())) {
                return false;
            }
            job.work().run();
            Counter.builder("loupe.periodic.runs")
                    .description("Runs of a periodic job on this node (the sum over nodes is one per interval)")
                    .tag("job", name)
                    .register(registry)
                    .increment();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Periodic job {} failed; it runs again at its next interval: {}", name, e.toString());
            return false;
        }
    }

    private boolean take(String name, Duration interval) {
        Instant now = clock.instant();
        // A read first: most looks find the job not due, and need no write (SQLite's one writer stays free).
        Long due = jdbi.withHandle(h -> h.createQuery("SELECT next_run_at FROM periodic_jobs WHERE name = :name")
                .bind("name", name)
                .mapTo(Long.class)
                .one());
        if (due > Micros.of(now)) {
            return false;
        }
        return jdbi.inTransaction(h -> h.createUpdate("UPDATE periodic_jobs SET next_run_at = :next,"
                                + " last_node = :node WHERE name = :name AND next_run_at <= :now")
                        .bind("next", Micros.of(now.plus(interval)))
                        .bind("node", node)
                        .bind("name", name)
                        .bind("now", Micros.of(now))
                        .execute())
                == 1;
    }

    @Override
    public void close() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            // A run under way finishes before the database it writes to is closed.
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
