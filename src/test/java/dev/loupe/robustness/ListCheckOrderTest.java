package dev.loupe.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a list request has several faults, the one upstream finds first is the one reported. Upstream
 * ({@code glance/db/sqlalchemy/api.py} {@code _task_get_all}) looks the marker row up before it builds the sorted
 * query, so a missing or foreign marker wins over a bad sort key; every query-string check (sort direction, status, type, limit) comes
 * before both.
 */
class ListCheckOrderTest {

    private static final Map<String, String> JSON = Map.of("Accept", "application/json");

    @TempDir
    static Path dir;

    private static LoupeServer server;
    private static Client client;
    private static String taskOfB;

    @BeforeAll
    static void start() throws IOException {
        Path policy =
                Files.writeString(dir.resolve("policy.yaml"), "tasks_api_access: \"role:admin or role:member\"\n");
        server = LoupeServer.start(dir.resolve("data"), "oslo_policy.policy_file=" + policy);
        client = server.client();
        HttpResponse<String> created = client.post(
                "/v2/tasks",
                Client.ADMIN_B,
                "{\"type\": \"import\", \"input\": {\"import_from\": \"http://127.0.0.1/b.raw\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        taskOfB = Client.json(created).get("id").textValue();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> list(Map<String, String> who, String query) {
        Map<String, String> headers = new java.util.HashMap<>(who);
        headers.putAll(JSON);
        return client.get("/v2/tasks?" + query, headers);
    }

    private static void answers(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = Client.json(response);
        assertThat(body.get("message").textValue()).isEqualTo(message);
    }

    @Test
    void queryChecksComeBeforeTheMarkerLookup() {
        String unknown = UUID.randomUUID().toString();
        answers(list(Client.ADMIN_A, "marker=" + unknown + "&limit=x"), 400, "limit param must be an integer");
        answers(list(Client.ADMIN_A, "marker=" + unknown + "&sort_dir=up"), 400, "Invalid sort direction: up");
        answers(list(Client.MEMBER_A, "marker=" + taskOfB + "&status=done"), 400, "Invalid status value: done");
    }

    @Test
    void anUnknownMarkerAloneIs400AndAForeignMarkerIs403() {
        String unknown = UUID.randomUUID().toString();
        answers(list(Client.ADMIN_A, "marker=" + unknown), 400, "Task with the given id " + unknown + " was not found");
        answers(
                list(Client.MEMBER_A, "marker=" + taskOfB),
                403,
                "Forbidding request, task " + taskOfB + " is not visible");
        answers(list(Client.ADMIN_A, "sort_key=bogus"), 400, "Sort key supplied was not valid.");
    }

    @Test
    void theMarkerLookupComesBeforeTheSortKeyCheck() {
        String unknown = UUID.randomUUID().toString();
        answers(
                list(Client.ADMIN_A, "marker=" + unknown + "&sort_key=bogus"),
                400,
                "Task with the given id " + unknown + " was not found");
        answers(
                list(Client.MEMBER_A, "marker=" + taskOfB + "&sort_key=bogus"),
                403,
                "Forbidding request, task " + taskOfB + " is not visible");
    }
}
