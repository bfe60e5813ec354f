package dev.loupe.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.TaskRows;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Idempotency-Key} on {@code POST /v2/tasks}: repeats of one create, however many and on whichever node, make
 * one task and all get it back; the same key with another body is 422.
 */
class IdempotentCreateIT {

    private static final String BODY = """
            {"type": "import", "input": {"import_from": "http://example.com/image.raw",
             "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}""";

    @TempDir
    Path dir;

    private static Map<String, String> withKey(String key) {
        Map<String, String> headers = new HashMap<>(Client.ADMIN_A);
        headers.put("Idempotency-Key", key);
        return headers;
    }

    @Test
    void fiftyConcurrentCreatesWithOneKeyOnTwoNodesMakeOneTask() throws Exception {
        String database = Postgres.freshDatabase();
        try (LoupeServer first = LoupeServer.start(dir.resolve("a"), "database.connection=" + database);
                LoupeServer second = LoupeServer.start(dir.resolve("b"), "database.connection=" + database)) {
            List<Client> nodes = List.of(first.client(), second.client());
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
                CountDownLatch go = new CountDownLatch(1);
                for (int i = 0; i < 50; i++) {
                    Client node = nodes.get(i % 2);
                    answers.add(pool.submit(() -> {
                        go.await();
                        return node.post("/v2/tasks", withKey("build-4711"), BODY);
                    }));
                }
                go.countDown();
            }
            List<String> ids = new ArrayList<>();
            int replayed = 0;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
                ids.add(Client.json(response).get("id").textValue());
                if (response.headers().firstValue("Idempotent-Replayed").isPresent()) {
                    replayed++;
                }
            }
            assertThat(ids).containsOnly(ids.getFirst());
            assertThat(replayed).isEqualTo(49);
            assertThat(new TaskRows(database).taskIds()).containsExactly(ids.getFirst());
        }
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndABadKeyIs400() {
        try (LoupeServer api = LoupeServer.start(dir)) {
            Client client = api.client();
            HttpResponse<String> first = client.post("/v2/tasks", withKey("k1"), BODY);
            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
            HttpResponse<String> other =
                    client.post("/v2/tasks", withKey("k1"), BODY.replace("image.raw", "other.raw"));
            assertThat(other.statusCode()).isEqualTo(422);
            assertThat(other.body()).contains("Idempotency-Key 'k1' was used for another request");
            assertThat(client.post("/v2/tasks", withKey("k".repeat(256)), BODY).statusCode())
                    .isEqualTo(400);
            // Another project may use the same key for its own task.
            Map<String, String> projectB = new HashMap<>(Client.ADMIN_B);
            projectB.put("Idempotency-Key", "k1");
            HttpResponse<String> b = client.post("/v2/tasks", projectB, BODY);
            assertThat(b.statusCode()).isEqualTo(201);
            assertThat(Client.json(b).get("id")).isNotEqualTo(Client.json(first).get("id"));
            // Without a key, creates are as upstream's: each one a task.
            assertThat(Client.json(client.post("/v2/tasks", Client.ADMIN_A, BODY))
                            .get("id"))
                    .isNotEqualTo(Client.json(client.post("/v2/tasks", Client.ADMIN_A, BODY))
                            .get("id"));
        }
    }
}
