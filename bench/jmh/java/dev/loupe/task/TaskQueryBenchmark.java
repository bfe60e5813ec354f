package dev.loupe.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.PythonJson;
import dev.loupe.db.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The database side of show and list on the embedded SQLite: one task by id, and a page of 20 after a marker
 * (the keyset query of {@code GET /v2/tasks?limit=20&marker=...}), over {@code tasks} rows of one project.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TaskQueryBenchmark {

    @Param("10000")
    int tasks;

    private Path dir;
    private Database database;
    private TaskRepository repository;
    private String middleId;
    private Task marker;
    private TaskListRequest request;
    private TaskListRequest firstPage;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("loupe-jmh");
        database = Database.open("", dir);
        ObjectMapper json = PythonJson.mapper();
        repository = new TaskRepository(database, new TaskRowMapper(json));
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < tasks; i++) {
            String id = UUID.randomUUID().toString();
            repository.insert(
                    Task.create(
                            id,
                            TaskType.IMPORT,
                            "proj-a",
                            json.readTree("{\"import_from\": \"x\"}"),
                            null,
                            "req-" + i,
                            "alice",
                            start.plusSeconds(i)),
                    null);
            if (i == tasks / 2) {
                middleId = id;
            }
        }
        marker = repository.find(middleId).orElseThrow();
        request = TaskListRequest.parse(List.of(Map.entry("limit", "20"), Map.entry("marker", middleId)));
        firstPage = TaskListRequest.parse(List.of(Map.entry("limit", "20")));
    }

    @TearDown
    public void tearDown() throws Exception {
        database.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public Task findById() {
        return repository.find(middleId).orElseThrow();
    }

    /** An admin's first page, newest first: what {@code GET /v2/tasks?limit=20} reads. */
    @Benchmark
    public List<TaskSummary> firstPage() {
        return repository.page(firstPage, TaskField.CREATED_AT, null, null, 20);
    }

    /** The same query's rows stepped through without reading a column: what the reads of the columns add to it. */
    @Benchmark
    public int firstPageRowsOnly() {
        return database.read(
                "SELECT id, type, status, owner, created_at, updated_at, expires_at FROM tasks WHERE deleted = FALSE"
                        + " ORDER BY created_at DESC, id DESC LIMIT ?",
                statement -> statement.setInt(1, 20),
                rows -> {
                    int n = 0;
                    while (rows.next()) {
                        n++;
                    }
                    return n;
                });
    }

    @Benchmark
    public List<TaskSummary> pageAfterMarker() {
        return repository.page(request, TaskField.CREATED_AT, "proj-a", marker, 20);
    }
}
