package dev.loupe.observability;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.MetricsText;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} on each kind of node: what it holds, and that a worker-only node serves it too. */
class MetricsIT {

    private static final Map<String, String> JSON = Map.of("Accept", "application/json");

    @TempDir
    Path dir;

    @Test
    void anApiNodeServesTaskGaugesAndRequestMetricsByRouteAndStatus() {
        try (LoupeServer api = LoupeServer.start(dir)) {
            Client client = api.client();
            client.createImportTask(ADMIN_A);
            client.createImportTask(ADMIN_A);
            assertThat(client.get("/v2/tasks/00000000-0000-0000-0000-000000000000", ADMIN_A)
                            .statusCode())
                    .isEqualTo(404);
            assertThat(client.get("/v2/tasks", Map.of()).statusCode()).isEqualTo(401);

            HttpResponse<String> scraped = client.get("/metrics", Map.of());
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            String metrics = scraped.body();
            assertThat(MetricsText.value(metrics, "loupe_tasks{status=\"pending\",type=\"import\"}"))
                    .hasValue(2);
            assertThat(MetricsText.value(metrics, "loupe_tasks{status=\"processing\",type=\"import\"}"))
                    .hasValue(0);
            assertThat(MetricsText.value(
                            metrics,
                            "loupe_http_requests_seconds_count{method=\"POST\",route=\"/v2/tasks\",status=\"201\"}"))
                    .hasValue(2);
            assertThat(MetricsText.value(
                            metrics,
                            "loupe_http_requests_seconds_count{method=\"GET\",route=\"/v2/tasks/{task_id}\","
                                    + "status=\"404\"}"))
                    .hasValue(1);
            // refused before routing, still counted under its route
            assertThat(MetricsText.value(
                            metrics,
                            "loupe_http_requests_seconds_count{method=\"GET\",route=\"/v2/tasks\",status=\"401\"}"))
                    .hasValue(1);
            assertThat(metrics).contains("loupe_http_requests_seconds_bucket{");
            MetricsText.assertEveryMetricHasHelp(metrics);
        }
    }

    @Test
    void aWorkerOnlyNodeServesHealthcheckAndMetricsOnItsPortAndNothingElse() {
        Config config = Config.load(null, List.of("DEFAULT.bind_port=0"), dir);
        try (Loupe worker = Loupe.start(config, Clock.systemUTC(), Role.WORKER, UnaryOperator.identity())) {
            assertThat(worker.port()).as("the worker's monitoring port").isPositive();
            Client client = Client.at("http://127.0.0.1:" + worker.port());

            HttpResponse<String> health = client.get("/healthcheck", Map.of());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("OK");

            HttpResponse<String> metrics = client.get("/metrics", Map.of());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(MetricsText.value(metrics.body(), "loupe_tasks{status=\"pending\",type=\"import\"}"))
                    .hasValue(0);
            MetricsText.assertEveryMetricHasHelp(metrics.body());

            for (String path : List.of("/v2/tasks", "/versions", "/", "/v2/images", "/nothing")) {
                HttpResponse<String> other = client.get(path, JSON);
                assertThat(other.statusCode()).as(path).isEqualTo(404);
                assertThat(other.headers().firstValue("Content-Type"))
                        .as(path)
                        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
                assertThat(other.headers().firstValue("x-openstack-request-id"))
                        .as(path)
                        .hasValueSatisfying(id -> assertThat(id).startsWith("req-"));
                JsonNode error = Client.json(other);
                assertThat(error.get("code").asText()).as(path).isEqualTo("404 Not Found");
                assertThat(error.get("title").asText()).as(path).isEqualTo("Not Found");
                assertThat(error.get("message").asText()).as(path).isNotBlank();
            }
            HttpResponse<String> text = client.get("/v2/tasks", Map.of());
            assertThat(text.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(text.body()).startsWith("404 Not Found");
        }
    }
}
