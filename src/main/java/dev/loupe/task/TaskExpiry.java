package dev.loupe.task;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Soft-deletes expired tasks of every project on a timer, so reads never write and no project's expired tasks
 * linger because nobody in it lists tasks.
 */
public final class TaskExpiry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskExpiry.class);

    private final ScheduledExecutorService timer;

    private TaskExpiry(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    public static TaskExpiry start(TaskService tasks, Duration interval) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "task-expiry");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> sweep(tasks), 0, Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
        return new TaskExpiry(timer);
    }

    private static void sweep(TaskService tasks) {
        try {
            int expired = tasks.expire();
            if (expired > 0) {
                LOG.info("Soft-deleted {} expired task(s)", expired);
            }
        } catch (RuntimeException e) {
            // A failed sweep (database briefly locked or down) is retried at the next tick.
            LOG.warn("Expiry sweep failed; retrying at the next interval", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            // A sweep under way finishes before the database it writes to is closed.
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
