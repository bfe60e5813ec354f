package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.testing.Client;
import dev.loupe.testing.Postgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Periodic jobs run once per interval across a cluster, on one node each time. */
class PeriodicJobsIT {

    private static final int NODES = 5;
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final List<String> JOBS = List.of("task-expiry", "leftover-sweep");

    @TempDir
    Path dir;

    @Test
    void fiveNodesWithAOneSecondIntervalRunEachJobOncePerInterval() throws InterruptedException {
        String database = Postgres.freshDatabase();
        List<Loupe> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                Config config = Config.load(
                        null,
                        List.of(
                                "DEFAULT.bind_port=0",
                                "database.connection=" + database,
                                "task.expiry_interval=1",
                                "task.lease_duration=1",
                                "task.heartbeat_interval=0.3"),
                        dir.resolve("node-" + i));
                nodes.add(Loupe.start(config, Clock.systemUTC(), Role.ALL, UnaryOperator.identity()));
            }
            Map<String, Long> before = runs(nodes);
            long started = System.nanoTime();
            // The window the runs are counted over: a duration the test sets, not a wait for something to happen.
            Thread.sleep(WINDOW.toMillis());
            Map<String, Long> after = runs(nodes);
            double seconds = (System.nanoTime() - started) / 1e9;
            for (String job : JOBS) {
                long ran = after.get(job) - before.get(job);
                // At most one run per whole interval that passed (plus the one in progress at either edge); and
                // the job does run: on a loaded machine a run may slip, never double.
                assertThat(ran)
                        .as("%s ran %d times in %.1f s on %d nodes", job, ran, seconds, NODES)
                        .isLessThanOrEqualTo((long) Math.floor(seconds) + 1)
                        .isGreaterThanOrEqualTo((long) (seconds * 0.75));
            }
        } finally {
            nodes.forEach(Loupe::close);
        }
    }

    /** Each job's runs on all nodes together, from each node's /metrics. */
    private static Map<String, Long> runs(List<Loupe> nodes) {
        Map<String, Long> runs = new java.util.HashMap<>();
        JOBS.forEach(job -> runs.put(job, 0L));
        for (Loupe node : nodes) {
            HttpResponse<String> metrics =
                    Client.at("http://127.0.0.1:" + node.port()).get("/metrics", Client.ANONYMOUS);
            for (String line : metrics.body().lines().toList()) {
                for (String job : JOBS) {
                    if (line.startsWith("loupe_periodic_runs_total{") && line.contains("job=\"" + job + "\"")) {
                        runs.merge(
                                job, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
                    }
                }
            }
        }
        return runs;
    }
}
