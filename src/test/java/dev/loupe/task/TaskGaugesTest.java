package dev.loupe.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.MetricsText;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TaskGaugesTest {

    private final AtomicInteger queries = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private void gauges(Map<TaskType, Map<TaskStatus, Long>> counts) {
        new TaskGauges(
                        () -> {
                            queries.incrementAndGet();
                            return counts;
                        },
                        now::get,
                        Duration.ofSeconds(5))
                .bindTo(registry);
    }

    @Test
    void pendingAndProcessingByTypeWithZerosAndHelp() {
        gauges(Map.of(TaskType.IMPORT, Map.of(TaskStatus.PENDING, 7L, TaskStatus.PROCESSING, 2L)));
        String scrape = registry.scrape();
        assertThat(MetricsText.value(scrape, "loupe_tasks{status=\"pending\",type=\"import\"}"))
                .hasValue(7);
        assertThat(MetricsText.value(scrape, "loupe_tasks{status=\"processing\",type=\"import\"}"))
                .hasValue(2);
        assertThat(MetricsText.value(scrape, "loupe_tasks{status=\"pending\",type=\"location_import\"}"))
                .hasValue(0);
        MetricsText.assertEveryMetricHasHelp(scrape);
    }

    @Test
    void aStormOfScrapesCostsOneQueryPerPeriod() {
        gauges(Map.of());
        for (int i = 0; i < 100; i++) {
            registry.scrape();
        }
        assertThat(queries).as("queries for 100 scrapes within the period").hasValue(1);
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        registry.scrape();
        registry.scrape();
        assertThat(queries).as("queries once the period is over").hasValue(2);
    }

    @Test
    void aFailingQueryGivesNaNAndIsNotRepeatedAtEachScrape() {
        new TaskGauges(
                        () -> {
                            queries.incrementAndGet();
                            throw new IllegalStateException("database down");
                        },
                        now::get,
                        Duration.ofSeconds(5))
                .bindTo(registry);
        String scrape = registry.scrape();
        assertThat(MetricsText.value(scrape, "loupe_tasks{status=\"pending\",type=\"import\"}")
                        .orElseThrow())
                .isNaN();
        registry.scrape();
        assertThat(queries).hasValue(1);
    }
}
