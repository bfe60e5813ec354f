package dev.loupe.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.Loupe;
import dev.loupe.engine.Handlers;
import dev.loupe.task.TaskRepository;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.util.function.UnaryOperator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same schema and SQL on PostgreSQL: migrations, keyset paging in every order, the engine's versioned
 * writes, expiry and purge, against a real PostgreSQL server (embedded binaries from Maven Central).
 */
class PostgresPortabilityIT {

    private static final List<String> SORT_KEYS = List.of("created_at", "updated_at", "id", "status", "type",
            "owner", "expires_at", "image_id", "request_id", "user_id", "deleted_at", "deleted");

    private static EmbeddedPostgres postgres;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    private static String connection() {
        return "database.connection=" + postgres.getJdbcUrl("postgres", "postgres");
    }

    @Test
    void pagingFollowsNextLinksInEveryOrderWithoutGapsOrRepeats() {
        try (LoupeServer server = LoupeServer.withWorkers(dir.resolve("paging"), UnaryOperator.identity(),
                connection(), "task.poll_interval=0.2")) {
            Client client = server.client();
            Set<String> created = new HashSet<>();
            for (int i = 0; i < 23; i++) {
                String body = """
                        {"type": "%s", "input": {"import_from": "http://example.com/%d", "image_id": "%s"}}"""
                        .formatted(i % 3 == 0 ? "api_image_import" : "import", i, i % 2 == 0 ? "img-" + i : "");
                HttpResponse<String> response = client.post("/v2/tasks",
                        Client.identity("user-" + (i % 4), "proj-" + (i % 5), "admin"), body);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
                created.add(Client.json(response).get("id").textValue());
            }
            awaitAllFinished(client, created.size());
            for (String key : SORT_KEYS) {
                for (String dir : List.of("asc", "desc")) {
                    List<String> whole = ids(client.get("/v2/tasks?limit=1000&sort_key=" + key + "&sort_dir=" + dir,
                            ADMIN_A));
                    List<String> paged = new ArrayList<>();
                    String next = "/v2/tasks?limit=4&sort_key=" + key + "&sort_dir=" + dir;
                    while (next != null) {
                        HttpResponse<String> page = client.get(next, ADMIN_A);
                        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                        paged.addAll(ids(page));
                        JsonNode link = Client.json(page).get("next");
                        next = link == null ? null : link.textValue();
                    }
                    assertThat(paged).as("%s %s", key, dir).containsExactlyElementsOf(whole);
                    assertThat(new HashSet<>(whole)).as("%s %s", key, dir).isEqualTo(created);
                }
            }
            HttpResponse<String> filtered = client.get("/v2/tasks?owner=proj-1&type=import&status=failure", ADMIN_A);
            assertThat(ids(filtered)).isNotEmpty().allSatisfy(id ->
                    assertThat(Client.json(client.get("/v2/tasks/" + id, ADMIN_A)).get("owner").textValue())
                            .isEqualTo("proj-1"));
        }
    }

    @Test
    void expiredTasksAreSoftDeletedThenPurged() {
        try (LoupeServer server = LoupeServer.withWorkers(dir.resolve("purge"), UnaryOperator.identity(),
                connection(), "task.poll_interval=0.2", "task.task_time_to_live=0")) {
            Client client = server.client();
            client.createImportTask(ADMIN_A);
            awaitAllFinished(client, 1);
        }
        try (Database db = Database.open(postgres.getJdbcUrl("postgres", "postgres"), dir)) {
            TaskRepository tasks = new TaskRepository(db.jdbi(), Loupe.json());
            assertThat(tasks.softDeleteExpired(Instant.now().plusSeconds(1))).isPositive();
            assertThat(tasks.purge(Instant.now().plus(Duration.ofDays(1)), 1)).isEqualTo(1);
            assertThat(tasks.purge(Instant.now().plus(Duration.ofDays(1)), -1)).isNotNegative();
            assertThat(tasks.purge(Instant.now().plus(Duration.ofDays(1)), -1)).isZero();
        }
    }

    private static void awaitAllFinished(Client client, int atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode tasks = Client.json(client.get("/v2/tasks?limit=1000&status=failure", ADMIN_A)).get("tasks");
            if (tasks.size() >= atLeast) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("tasks did not all finish on PostgreSQL within 30 s");
    }

    private static List<String> ids(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Client.json(response).get("tasks").forEach(t -> ids.add(t.get("id").textValue()));
        return ids;
    }
}
