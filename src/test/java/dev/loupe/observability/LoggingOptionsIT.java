package dev.loupe.observability;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oslo.log's options on the packaged server: {@code [DEFAULT] debug}, {@code log_file}, {@code use_json}. */
class LoggingOptionsIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void jsonLinesInTheLogFileWithDebugAccessFieldsAndTaskContext() throws Exception {
        Path log = dir.resolve("loupe.log");
        try (LoupeProcess loupe = LoupeProcess.jar(
                dir.resolve("logs"),
                "serve",
                "--data-dir",
                dir.resolve("data").toString(),
                "--set",
                "DEFAULT.bind_port=0",
                "--set",
                "DEFAULT.debug=true",
                "--set",
                "DEFAULT.use_json=true",
                "--set",
                "DEFAULT.log_file=" + log,
                "--set",
                "task.poll_interval=0.1")) {
            Client client = loupe.awaitReady(START);
            String requestId = "req-" + UUID.randomUUID();
            Map<String, String> headers = new HashMap<>(ADMIN_A);
            headers.put("X-Openstack-Request-Id", requestId);
            // A host that never resolves: the task fails at once, and its lines name the host.
            HttpResponse<String> created = client.post("/v2/tasks", headers, """
                    {"type": "import", "input": {"import_from": "http://loupe-test.invalid/x.raw",
                     "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
                    """);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = Client.json(created).get("id").asText();
            client.awaitEnd(id, ADMIN_A, Duration.ofSeconds(30));

            JsonNode finished = Await.until(
                            Duration.ofSeconds(10),
                            () -> find(log, l -> l.path("message").asText().startsWith("Task " + id + " finished")),
                            found -> !found.isEmpty(),
                            "the task's finished line in " + log)
                    .getFirst();
            assertThat(finished.get("level").asText()).isEqualTo("INFO");
            assertThat(finished.get("logger").asText()).isEqualTo("dev.loupe.engine.TaskEngine");
            assertThat(finished.get("task_id").asText()).isEqualTo(id);
            assertThat(finished.get("project_id").asText()).isEqualTo("proj-a");
            assertThat(finished.get("request_id").asText()).isEqualTo(requestId);
            assertThat(finished.get("source_host").asText()).isEqualTo("loupe-test.invalid");
            assertThat(finished.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

            JsonNode access = find(
                            log,
                            l -> l.path("logger").asText().equals("dev.loupe.access")
                                    && l.path("path").asText().equals("/v2/tasks"))
                    .getFirst();
            assertThat(access.get("method").asText()).isEqualTo("POST");
            assertThat(access.get("status").asInt()).isEqualTo(201);
            assertThat(access.get("bytes").asLong()).isEqualTo(created.body().getBytes().length);
            assertThat(access.get("duration_ms").isIntegralNumber()).isTrue();
            assertThat(access.get("request_id").asText()).isEqualTo(requestId);
            assertThat(access.get("project_id").asText()).isEqualTo("proj-a");

            assertThat(find(
                            log,
                            l -> l.path("level").asText().equals("DEBUG")
                                    && l.path("logger").asText().startsWith("dev.loupe.")))
                    .as("DEBUG lines of Loupe's own with debug = true")
                    .isNotEmpty();
        }
    }

    @Test
    void aWorkerSaysWhereItsHealthcheckAndMetricsAre() {
        try (LoupeProcess worker = LoupeProcess.jar(
                dir.resolve("logs"),
                "serve",
                "--role",
                "worker",
                "--data-dir",
                dir.resolve("data").toString(),
                "--set",
                "DEFAULT.bind_port=0")) {
            String prefix = "Loupe worker running; /healthcheck and /metrics on ";
            String line = worker.awaitLine(prefix, START);
            Client client = Client.at(line.substring(prefix.length()));
            assertThat(client.get("/healthcheck", Map.of()).body()).isEqualTo("OK");
            assertThat(client.get("/metrics", Map.of()).body()).contains("# HELP loupe_tasks ");
        }
    }

    /** The log file's lines, each parsed as JSON (every line must be), that match. */
    private static List<JsonNode> find(Path log, java.util.function.Predicate<JsonNode> match) {
        List<JsonNode> found = new ArrayList<>();
        if (!Files.exists(log)) {
            return found;
        }
        try {
            for (String line : Files.readAllLines(log)) {
                JsonNode node = JSON.readTree(line);
                if (match.test(node)) {
                    found.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }
}
