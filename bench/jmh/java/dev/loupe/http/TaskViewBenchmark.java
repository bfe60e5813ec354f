package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.PythonJson;
import dev.loupe.task.Task;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskStatus;
import dev.loupe.task.TaskSummary;
import dev.loupe.task.TaskType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON side of {@code GET /v2/tasks/{id}} and {@code GET /v2/tasks?limit=20}: the full view of a task, and a
 * page of 20 list stubs with its links, rendered to bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TaskViewBenchmark {

    private ObjectMapper json;
    private TaskViews views;
    private Task task;
    private TaskPage page;
    private Map<String, String> params;

    @Setup
    public void setUp() throws Exception {
        json = PythonJson.mapper();
        views = new TaskViews(json);
        task = Task.create(
                UUID.randomUUID().toString(),
                TaskType.IMPORT,
                "proj-a",
                json.readTree("""
                {"import_from": "https://example.com/images/cirros-0.6.2-x86_64-disk.img",
                 "import_from_format": "qcow2",
                 "image_properties": {"name": "cirros", "disk_format": "qcow2", "container_format": "bare"}}"""),
                null,
                "req-" + UUID.randomUUID(),
                "alice",
                Instant.parse("2026-11-26T12:00:00Z"));
        List<TaskSummary> stubs = new ArrayList<>();
        Instant created = Instant.parse("2026-11-26T12:00:00Z");
        for (int i = 0; i < 20; i++) {
            stubs.add(new TaskSummary(
                    UUID.randomUUID().toString(),
                    TaskType.IMPORT,
                    TaskStatus.SUCCESS,
                    "proj-a",
                    created.plusSeconds(i),
                    created.plusSeconds(i + 1),
                    created.plusSeconds(i + 86_400)));
        }
        page = new TaskPage(stubs, true);
        params = Map.of("limit", "20");
    }

    @Benchmark
    public byte[] listViewToBytes() throws Exception {
        com.fasterxml.jackson.core.util.ByteArrayBuilder bytes =
                new com.fasterxml.jackson.core.util.ByteArrayBuilder(1024);
        try (com.fasterxml.jackson.core.JsonGenerator out = json.getFactory().createGenerator(bytes)) {
            views.list(page, params, out);
        }
        return bytes.toByteArray();
    }

    @Benchmark
    public byte[] fullViewToBytes() throws Exception {
        com.fasterxml.jackson.core.util.ByteArrayBuilder bytes =
                new com.fasterxml.jackson.core.util.ByteArrayBuilder(1024);
        try (com.fasterxml.jackson.core.JsonGenerator out = json.getFactory().createGenerator(bytes)) {
            views.full(task, out);
        }
        return bytes.toByteArray();
    }
}
