package dev.loupe.engine;

import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * How the engine runs tasks.
 *
 * @param maxWorkers    tasks this node runs at once
 * @param heartbeat     how often a node renews the leases of the tasks it runs
 * @param lease         how long a lease lasts without renewal; after that any node may recover the task
 * @param pollInterval  how often a node looks for work it was not told about (other nodes' tasks, dead leases)
 * @param maxAttempts   attempts at a task before an interrupted one is failed instead of retried
 * @param shutdownGrace how long SIGTERM waits for running tasks before releasing them for recovery
 * @param timeToLive    how long a finished task is kept before it expires
 * @param maxRunningPerProject the most tasks of one project running at once on all nodes; 0 for no cap
 */
public record EngineSettings(
        int maxWorkers,
        Duration heartbeat,
        Duration lease,
        Duration pollInterval,
        int maxAttempts,
        Duration shutdownGrace,
        Duration timeToLive,
        int maxRunningPerProject) {

    public EngineSettings {
        for (Duration d : new Duration[] {heartbeat, lease, pollInterval, shutdownGrace}) {
            if (d.toMillis() < 1) {
                throw new BadConfiguration("[task] durations must be at least 1 ms, not " + d);
            }
        }
        // A lease that does not outlive a missed heartbeat gets long tasks recovered (run again) while they run.
        // Said loudly rather than refused: it is also how a stalled worker is reproduced on purpose.
        if (heartbeat.multipliedBy(2).compareTo(lease) > 0) {
            LoggerFactory.getLogger(EngineSettings.class)
                    .warn(
                            "[task] heartbeat_interval ({} ms) is more than half"
                                    + " of [task] lease_duration ({} ms): running tasks will be taken for dead and run again",
                            heartbeat.toMillis(),
                            lease.toMillis());
        }
    }

    public static EngineSettings from(Config config) {
        return new EngineSettings(
                config.get(Options.MAX_WORKERS),
                config.get(Options.HEARTBEAT_INTERVAL),
                config.get(Options.LEASE_DURATION),
                config.get(Options.POLL_INTERVAL),
                config.get(Options.MAX_ATTEMPTS),
                config.get(Options.SHUTDOWN_GRACE),
                Duration.ofHours(config.get(Options.TASK_TIME_TO_LIVE)),
                config.get(Options.MAX_RUNNING_PER_PROJECT));
    }
}
