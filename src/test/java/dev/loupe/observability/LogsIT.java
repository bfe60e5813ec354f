package dev.loupe.observability;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The access log, and the context task log lines carry (SLF4J MDC), as this JVM's Logback receives them. */
class LogsIT {

    /** One log event as received: logger, message, context, key-value pairs. */
    record Line(String logger, String message, Map<String, String> context, Map<String, Object> fields) {}

    private static final Pattern ACCESS =
            Pattern.compile("(\\S+) (\\S+) (\\d{3}) (-?\\d+) B (\\d+) ms (\\S+) project=(\\S+)");

    @TempDir
    Path dir;

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            Map<String, Object> fields = new LinkedHashMap<>();
            if (event.getKeyValuePairs() != null) {
                event.getKeyValuePairs().forEach(pair -> fields.put(pair.key, pair.value));
            }
            lines.add(new Line(
                    event.getLoggerName(),
                    event.getFormattedMessage(),
                    new HashMap<>(event.getMDCPropertyMap()),
                    fields));
        }
    };

    @BeforeEach
    void capture() {
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        appender.stop();
    }

    private static Line await(String what, Await.Probe<Optional<Line>> probe) {
        return Await.until(Duration.ofSeconds(10), probe, Optional::isPresent, what)
                .orElseThrow();
    }

    private List<Line> access(String path) {
        return lines.stream()
                .filter(l -> l.logger().equals("dev.loupe.access"))
                .filter(l -> path.equals(l.fields().get("path")))
                .toList();
    }

    @Test
    void eachRequestHasAnAccessLineWithItsMethodPathStatusBytesDurationRequestIdAndProject() {
        try (LoupeServer api = LoupeServer.start(dir)) {
            Map<String, String> headers = new HashMap<>(ADMIN_A);
            headers.put("X-Openstack-Request-Id", "req-access-log-test");
            HttpResponse<String> listed = api.client().get("/v2/tasks?limit=1", headers);
            assertThat(listed.statusCode()).isEqualTo(200);
            Line line = await(
                    "the access line",
                    () -> access("/v2/tasks?limit=1").stream().findFirst());
            Matcher m = ACCESS.matcher(line.message());
            assertThat(m.matches()).as(line.message()).isTrue();
            assertThat(m.group(1)).isEqualTo("GET");
            assertThat(m.group(2)).isEqualTo("/v2/tasks?limit=1");
            assertThat(m.group(3)).isEqualTo("200");
            assertThat(Long.parseLong(m.group(4)))
                    .as("bytes")
                    .isEqualTo(listed.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(m.group(6)).isEqualTo("req-access-log-test");
            assertThat(m.group(7)).isEqualTo("proj-a");
            assertThat(line.fields())
                    .containsEntry("method", "GET")
                    .containsEntry("status", 200)
                    .containsEntry("request_id", "req-access-log-test")
                    .containsEntry("project_id", "proj-a")
                    .containsKeys("bytes", "duration_ms");

            // A request refused at identity has its line too, with no project.
            assertThat(api.client().get("/v2/images", Map.of()).statusCode()).isEqualTo(401);
            Line refused = await(
                    "the 401's access line", () -> access("/v2/images").stream().findFirst());
            assertThat(refused.message()).startsWith("GET /v2/images 401 ").endsWith(" project=-");
        }
    }

    @Test
    void theAccessLogCanBeSwitchedOff() {
        try (LoupeServer api = LoupeServer.start(dir, "api.access_log=false")) {
            assertThat(api.client().get("/versions", Map.of()).statusCode()).isEqualTo(200);
            assertThat(api.client().get("/metrics", Map.of()).body())
                    .as("the request was measured")
                    .contains("route=\"/versions\"");
            assertThat(lines).noneMatch(l -> l.logger().equals("dev.loupe.access"));
        }
    }

    /**
     * An import whose source stalls: with {@code [task] source_read_timeout} at half a second the task fails at
     * once, and the engine's and the import's lines about it carry its id, project, the create's request id and the
     * source host.
     */
    @Test
    void taskLinesCarryTheTaskProjectRequestIdAndSourceHost() {
        try (SourceServer source = SourceServer.start();
                LoupeServer loupe = LoupeServer.withWorkers(
                        dir,
                        UnaryOperator.identity(),
                        "task.poll_interval=0.1",
                        "task.source_read_timeout=0.5",
                        "import_filtering_opts.allowed_hosts=[127.0.0.1]",
                        "import_filtering_opts.allowed_ports=" + source.port())) {
            source.script("/stalls.raw", (socket, out) -> {
                SourceServer.head(out, "200 OK", "Content-Length: 1048576");
                out.write(new byte[4096]);
                out.flush();
                SourceServer.stall();
            });
            String requestId = "req-" + UUID.randomUUID();
            Map<String, String> headers = new HashMap<>(ADMIN_A);
            headers.put("X-Openstack-Request-Id", requestId);
            Client client = loupe.client();
            HttpResponse<String> created = client.post("/v2/tasks", headers, """
                    {"type": "import", "input": {"import_from": "%s", "import_from_format": "raw",
                     "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
                    """.formatted(source.url("/stalls.raw")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = Client.json(created).get("id").asText();

            JsonNode ended = client.awaitEnd(id, ADMIN_A, Duration.ofSeconds(30));
            assertThat(ended.get("status").asText()).isEqualTo("failure");
            assertThat(ended.get("message").asText()).contains("Source stopped sending data for 0.5 s");

            Line finished = await(
                    "the finished line",
                    () -> lines.stream()
                            .filter(l -> l.message().startsWith("Task " + id + " finished"))
                            .findFirst());
            Line started = lines.stream()
                    .filter(l -> l.message().startsWith("Task " + id + " started"))
                    .findFirst()
                    .orElseThrow();
            for (Line line : List.of(started, finished)) {
                assertThat(line.context())
                        .as(line.message())
                        .containsEntry("task_id", id)
                        .containsEntry("project_id", "proj-a")
                        .containsEntry("request_id", requestId)
                        .containsEntry("source_host", "127.0.0.1");
            }
            // The context ends with the task: the access line of a later request has none of it.
            client.show(id, ADMIN_A);
            Line later = await(
                    "the show's access line",
                    () -> access("/v2/tasks/" + id).stream().findFirst());
            assertThat(later.context()).doesNotContainKey("task_id");
        }
    }
}
