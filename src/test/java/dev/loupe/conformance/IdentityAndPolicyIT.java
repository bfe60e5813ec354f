package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity from headers and the policy (docs/compatibility.md, "Authentication and
 * policy"): 401 without {@code X-Identity-Status:
 * Confirmed}, roles lower-cased, {@code X-Tenant-Id}, admin-only by default, {@code tasks_api_access} on every tasks
 * call and not on the schemas, {@code context_is_admin} deciding who sees every project.
 */
class IdentityAndPolicyIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static String taskId;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir.resolve("default"));
        client = server.client();
        taskId = client.createImportTask(ADMIN_A).get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    // ---- authentication ---------------------------------------------------------------------------------------

    @Test
    void noIdentityStatusGives401() {
        Map<String, String> unconfirmed =
                Map.of("X-Project-Id", "proj-a", "X-Roles", "admin", "X-User-Id", "u", "Accept", "application/json");
        assertJsonError(client.get("/v2/tasks/" + taskId, unconfirmed), 401, UNAUTHORIZED);
        assertJsonError(client.get("/v2/tasks", unconfirmed), 401, UNAUTHORIZED);
    }

    @Test
    void identityStatusOtherThanConfirmedGives401() {
        Map<String, String> invalid = with(asJson(ADMIN_A), "X-Identity-Status", "Invalid");
        assertJsonError(
                client.get("/v2/tasks", invalid),
                401,
                GLANCE_UNAUTHORIZED + "\n\nX-Identity-Status is 'Invalid', not Confirmed.");
    }

    @Test
    void noCredentialsAtAllGives401WithJsonBodyWhenAskedFor() {
        assertJsonError(client.get("/v2/tasks", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void noCredentialsGives401PlainTextByDefault() {
        assertPlainError(client.get("/v2/tasks", ANONYMOUS), 401, UNAUTHORIZED);
    }

    @Test
    void postWithoutCredentialsGives401() {
        assertJsonError(client.post("/v2/tasks", asJson(ANONYMOUS), "{}"), 401, UNAUTHORIZED);
    }

    @Test
    void schemasNeedCredentials() {
        assertJsonError(client.get("/v2/schemas/task", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
        assertJsonError(client.get("/v2/schemas/tasks", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void authTokenAloneIsNotAnIdentity() {
        assertJsonError(
                client.get("/v2/tasks", Map.of("X-Auth-Token", "admin-a:proj-a:admin", "Accept", "application/json")),
                401,
                UNAUTHORIZED);
    }

    // ---- identity headers ---------------------------------------------------------------------------------------

    @Test
    void rolesAreLowerCased() {
        Map<String, String> mixed = Client.identity("someone", "proj-c", "Member,Admin");
        assertThat(ok(client.get("/v2/tasks/" + taskId, mixed), 200).get("id").asText())
                .isEqualTo(taskId);
        ok(client.get("/v2/tasks", mixed), 200);
    }

    @Test
    void rolesAreTrimmed() {
        ok(client.get("/v2/tasks", Client.identity("someone", "proj-c", "member, ADMIN ")), 200);
    }

    @Test
    void tenantIdHeaderIsTheProject() {
        Map<String, String> tenant = Map.of(
                "X-Identity-Status",
                "Confirmed",
                "X-Tenant-Id",
                "proj-t",
                "X-User-Id",
                "admin-t",
                "X-Roles",
                "admin",
                "Content-Type",
                "application/json");
        JsonNode task = ok(client.post("/v2/tasks", tenant, importBody("http://example.com/x")), 201);
        assertThat(task.get("owner").asText()).isEqualTo("proj-t");
        assertThat(task.get("user_id").asText()).isEqualTo("admin-t");
    }

    @Test
    void adminWithNoProjectCanListAndShow() {
        Map<String, String> noProject = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "admin");
        assertThat(ids(ok(client.get("/v2/tasks", noProject), 200))).contains(taskId);
        ok(client.get("/v2/tasks/" + taskId, noProject), 200);
    }

    @Test
    void adminOfAnotherProjectSeesTheTask() {
        ok(client.get("/v2/tasks/" + taskId, Client.ADMIN_B), 200);
        assertThat(ids(ok(client.get("/v2/tasks", Client.ADMIN_B), 200))).contains(taskId);
    }

    // ---- default policy: admin only --------------------------------------------------------------------------

    @Test
    void memberIsRefusedEveryTasksCall() {
        assertJsonError(client.get("/v2/tasks", asJson(MEMBER_A)), 403, FORBIDDEN);
        assertJsonError(client.get("/v2/tasks/" + taskId, asJson(MEMBER_A)), 403, FORBIDDEN);
        assertJsonError(client.post("/v2/tasks", asJson(MEMBER_A), importBody("http://example.com/x")), 403, FORBIDDEN);
        assertJsonError(client.send("DELETE", "/v2/tasks/" + taskId, asJson(MEMBER_A), null), 403, FORBIDDEN);
    }

    @Test
    void readerIsRefusedEveryTasksCall() {
        assertJsonError(client.get("/v2/tasks", asJson(READER_B)), 403, FORBIDDEN);
        assertJsonError(client.get("/v2/tasks/" + taskId, asJson(READER_B)), 403, FORBIDDEN);
        assertJsonError(client.post("/v2/tasks", asJson(READER_B), importBody("http://example.com/x")), 403, FORBIDDEN);
    }

    @Test
    void identityWithNoRolesIsRefused() {
        Map<String, String> noRoles =
                Map.of("X-Identity-Status", "Confirmed", "X-Project-Id", "proj-a", "Accept", "application/json");
        assertJsonError(client.get("/v2/tasks", noRoles), 403, FORBIDDEN);
    }

    @Test
    void schemasAreNotGatedByTasksApiAccess() {
        ok(client.get("/v2/schemas/task", MEMBER_A), 200);
        ok(client.get("/v2/schemas/tasks", READER_B), 200);
    }

    // ---- policy files -----------------------------------------------------------------------------------------

    @Test
    void tasksApiAccessDeniedForAllRefusesPostListAndShow(@TempDir Path other) {
        try (LoupeServer denied = LoupeServer.start(other, policy(other, "\"tasks_api_access\": \"!\"\n"))) {
            Client c = denied.client();
            assertJsonError(c.post("/v2/tasks", asJson(ADMIN_A), importBody("http://example.com/x")), 403, FORBIDDEN);
            assertJsonError(c.get("/v2/tasks", asJson(ADMIN_A)), 403, FORBIDDEN);
            assertJsonError(c.get("/v2/tasks/" + taskId, asJson(ADMIN_A)), 403, FORBIDDEN);
            assertJsonError(c.send("DELETE", "/v2/tasks/" + taskId, asJson(ADMIN_A), null), 403, FORBIDDEN);
            ok(c.get("/v2/schemas/task", ADMIN_A), 200);
            ok(c.get("/v2/schemas/tasks", ADMIN_A), 200);
        }
    }

    @Test
    void contextIsAdminDecidesWhoSeesEveryProject(@TempDir Path other) {
        String rules = "\"context_is_admin\": \"role:boss\"\n\"tasks_api_access\": \"role:boss or role:member\"\n";
        try (LoupeServer custom = LoupeServer.start(other, policy(other, rules))) {
            Client c = custom.client();
            String mine = ok(c.post("/v2/tasks", MEMBER_A, importBody("http://example.com/x")), 201)
                    .get("id")
                    .asText();
            Map<String, String> boss = Client.identity("the-boss", "proj-z", "boss");
            Map<String, String> memberB = Client.identity("member-b", "proj-b", "member");
            assertThat(ids(ok(c.get("/v2/tasks", boss), 200))).containsExactly(mine);
            ok(c.get("/v2/tasks/" + mine, boss), 200);
            assertThat(ids(ok(c.get("/v2/tasks", memberB), 200))).isEmpty();
            assertJsonError(c.get("/v2/tasks/" + mine, asJson(memberB)), 404, "Could not find task " + mine);
            // 'admin' is no longer special under this policy.
            assertJsonError(c.get("/v2/tasks", asJson(ADMIN_A)), 403, FORBIDDEN);
        }
    }

    @Test
    void everyResponseCarriesARequestId() {
        HttpResponse<String> r = client.get("/v2/tasks", ANONYMOUS);
        assertRequestIdHeader(r);
    }
}
