package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v2/tasks/{task_id}} and the full task view, as Glance answers them. */
class ShowTaskIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static JsonNode task;
    static String id;

    @BeforeAll
    static void start() {
        task = server.client().createImportTask(ADMIN_A);
        id = task.get("id").asText();
    }

    @Test
    void showOwnTaskGivesTheFullViewEqualToTheCreatedOne() {
        JsonNode shown = ok(server.client().get("/v2/tasks/" + id, ADMIN_A), 200);
        assertThat(keys(shown)).containsExactlyInAnyOrderElementsOf(FULL_KEYS);
        assertThat(shown).isEqualTo(task);
        assertThat(shown.get("type").asText()).isEqualTo("import");
    }

    @Test
    void pendingTaskHasNoExpiresAt() {
        assertThat(ok(server.client().get("/v2/tasks/" + id, ADMIN_A), 200).has("expires_at"))
                .isFalse();
    }

    @Test
    void showUnknownUuidSays_CouldNotFindTask() {
        assertJsonError(
                server.client().get("/v2/tasks/00000000-0000-0000-0000-000000000000", asJson(ADMIN_A)),
                404,
                "Could not find task 00000000-0000-0000-0000-000000000000");
    }

    @Test
    void showNonUuidIdIs404NotValidated() {
        assertJsonError(
                server.client().get("/v2/tasks/not-a-uuid", asJson(ADMIN_A)), 404, "Could not find task not-a-uuid");
        assertJsonError(
                server.client().get("/v2/tasks/NON_EXISTENT_TASK", asJson(ADMIN_A)),
                404,
                "Could not find task NON_EXISTENT_TASK");
    }

    @Test
    void showAsMemberOfTheOwningProjectGives403() {
        assertJsonError(server.client().get("/v2/tasks/" + id, asJson(MEMBER_A)), 403, FORBIDDEN);
    }

    @Test
    void showAsReaderGives403() {
        assertJsonError(server.client().get("/v2/tasks/" + id, asJson(READER_B)), 403, FORBIDDEN);
    }

    @Test
    void policyIsCheckedBeforeExistence() {
        assertJsonError(
                server.client().get("/v2/tasks/00000000-0000-0000-0000-000000000000", asJson(MEMBER_A)),
                403,
                FORBIDDEN);
    }

    @Test
    void adminOfAnotherProjectSeesTheTask() {
        assertThat(ok(server.client().get("/v2/tasks/" + id, ADMIN_B), 200)
                        .get("owner")
                        .asText())
                .isEqualTo("proj-a");
    }

    @Test
    void adminWithNoProjectSeesTheTask() {
        Map<String, String> noProject = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "admin");
        assertThat(ok(server.client().get("/v2/tasks/" + id, noProject), 200)
                        .get("id")
                        .asText())
                .isEqualTo(id);
    }

    @Test
    void showThroughAVersionPrefix() {
        assertThat(ok(server.client().get("/v2.2/tasks/" + id, ADMIN_A), 200)).isEqualTo(task);
        assertThat(ok(server.client().get("/v2.12/tasks/" + id, ADMIN_A), 200)).isEqualTo(task);
    }

    @Test
    void aRequestWithoutAnIdGetsANewVersion4Uuid() {
        var first = server.client().get("/v2/tasks/" + id, ADMIN_A);
        var second = server.client().get("/v2/tasks/" + id, ADMIN_A);
        String uuid4 = "req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
        assertThat(first.headers().firstValue("x-openstack-request-id"))
                .hasValueSatisfying(v -> assertThat(v).matches(uuid4));
        assertThat(second.headers().firstValue("x-openstack-request-id"))
                .hasValueSatisfying(v -> assertThat(v).matches(uuid4));
        assertThat(first.headers().firstValue("x-openstack-request-id"))
                .isNotEqualTo(second.headers().firstValue("x-openstack-request-id"));
    }

    @Test
    void callersRequestIdIsEchoedInTheHeader() {
        var r = server.client()
                .get(
                        "/v2/tasks/" + id,
                        with(ADMIN_A, "X-Openstack-Request-Id", "req-11111111-2222-3333-4444-555555555555"));
        ok(r, 200);
        assertThat(r.headers().firstValue("x-openstack-request-id"))
                .hasValue("req-11111111-2222-3333-4444-555555555555");
    }

    @Test
    void successBodyIsJsonEvenWhenTextPlainIsAccepted() {
        ok(server.client().get("/v2/tasks/" + id, with(ADMIN_A, "Accept", "text/plain")), 200);
    }
}
