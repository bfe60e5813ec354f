package dev.loupe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.task.TaskType;
import dev.loupe.testing.MetricsText;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the engine's meters look like in a Prometheus scrape. */
class EngineMetricsTest {

    private static final Pattern BUCKET =
            Pattern.compile("loupe_task_duration_seconds_bucket\\{.*le=\"([^\"]+)\".*} (\\S+)");

    @Test
    void aLongImportLandsInAFiniteBucketAndBucketsReachHours() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new EngineMetrics(registry).finished(TaskType.IMPORT, "success", Duration.ofSeconds(59));
        double smallestHolding = Double.POSITIVE_INFINITY;
        double largest = 0;
        for (String line : registry.scrape().split("\n")) {
            Matcher m = BUCKET.matcher(line);
            if (!m.matches() || m.group(1).equals("+Inf")) {
                continue;
            }
            double le = Double.parseDouble(m.group(1));
            largest = Math.max(largest, le);
            if (Double.parseDouble(m.group(2)) >= 1) {
                smallestHolding = Math.min(smallestHolding, le);
            }
        }
        assertThat(smallestHolding)
                .as("smallest finite bucket counting the 59 s task")
                .isBetween(59.0, 120.0);
        assertThat(largest).as("largest finite bucket, in seconds").isGreaterThanOrEqualTo(4 * 3600);
    }

    @Test
    void everyEngineMetricHasAHelpText() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EngineMetrics metrics = new EngineMetrics(registry);
        metrics.claimed(TaskType.IMPORT, Duration.ofMillis(3));
        metrics.finished(TaskType.IMPORT, "success", Duration.ofSeconds(1));
        metrics.recovered(TaskType.IMPORT, "retried");
        metrics.discarded(TaskType.IMPORT);
        MetricsText.assertEveryMetricHasHelp(registry.scrape());
    }
}
