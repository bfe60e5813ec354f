package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a non-admin sees once a policy file opens the Tasks API to members ({@code tasks_api_access: role:member or
 * role:admin}): its own project's tasks only; a foreign marker is 403 and a foreign task 404, as in Glance.
 */
class NonAdminVisibilityIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static String adminA;
    static String memberA;
    static String adminB;
    static final Map<String, String> MEMBER_B = Client.identity("member-b", "proj-b", "member");

    @BeforeAll
    static void start() {
        server = LoupeServer.start(
                dir,
                TestClock.stepping(Instant.parse("2026-05-01T00:00:00Z"), Duration.ofSeconds(1)),
                policy(dir, "\"tasks_api_access\": \"role:member or role:admin\"\n"),
                "DEFAULT.limit_param_default=1");
        client = server.client();
        adminA = client.createImportTask(ADMIN_A).get("id").asText();
        adminB = client.createImportTask(ADMIN_B).get("id").asText();
        memberA = client.createImportTask(MEMBER_A).get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void memberCreatesTasksInItsOwnProject() {
        JsonNode task = ok(client.get("/v2/tasks/" + memberA, MEMBER_A), 200);
        assertThat(task.get("owner").asText()).isEqualTo("proj-a");
        assertThat(task.get("user_id").asText()).isEqualTo("member-a");
    }

    @Test
    void memberListsOnlyItsOwnProjectsTasks() {
        assertThat(ids(ok(client.get("/v2/tasks?limit=10", MEMBER_A), 200))).containsExactly(memberA, adminA);
        assertThat(ids(ok(client.get("/v2/tasks?limit=10", MEMBER_B), 200))).containsExactly(adminB);
    }

    @Test
    void memberWithLimitOneGetsItsOwnNewestTask() {
        JsonNode body = ok(client.get("/v2/tasks?limit=1", MEMBER_A), 200);
        assertThat(ids(body)).containsExactly(memberA);
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=1&marker=" + memberA);
        assertThat(ids(ok(client.get(body.get("next").asText(), MEMBER_A), 200)))
                .containsExactly(adminA);
    }

    @Test
    void adminStillListsEveryProject() {
        assertThat(ids(ok(client.get("/v2/tasks?limit=10", ADMIN_A), 200))).containsExactly(memberA, adminB, adminA);
    }

    @Test
    void memberWithTheDefaultLimitOfOneGetsItsOwnNewestTask() {
        JsonNode body = ok(client.get("/v2/tasks", MEMBER_A), 200);
        assertThat(ids(body)).containsExactly(memberA);
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?marker=" + memberA);
    }

    @Test
    void adminWithMarkerAndTheDefaultLimitOfOneGetsTheNextOlderTask() {
        assertThat(ids(ok(client.get("/v2/tasks?marker=" + memberA, ADMIN_A), 200)))
                .containsExactly(adminB);
    }

    @Test
    void memberShowsTasksOfItsProject() {
        ok(client.get("/v2/tasks/" + adminA, MEMBER_A), 200);
    }

    @Test
    void memberShowingAnotherProjectsTaskSays_CouldNotFindTask() {
        assertJsonError(client.get("/v2/tasks/" + adminB, asJson(MEMBER_A)), 404, "Could not find task " + adminB);
    }

    @Test
    void markerFromAnotherProjectSays_ForbiddingRequestTaskIsNotVisible() {
        assertJsonError(
                client.get("/v2/tasks?marker=" + adminB, asJson(MEMBER_A)),
                403,
                "Forbidding request, task " + adminB + " is not visible");
    }

    @Test
    void unknownMarkerIsStill400ForAMember() {
        assertJsonError(
                client.get("/v2/tasks?marker=00000000-0000-0000-0000-000000000000", asJson(MEMBER_A)),
                400,
                "Task with the given id 00000000-0000-0000-0000-000000000000 was not found");
    }

    @Test
    void ownMarkerPagesForAMember() {
        assertThat(ids(ok(client.get("/v2/tasks?limit=10&marker=" + memberA, MEMBER_A), 200)))
                .containsExactly(adminA);
    }

    @Test
    void idFilterFindsOwnTaskOnly() {
        assertThat(ids(ok(client.get("/v2/tasks?id=" + adminA, MEMBER_A), 200))).containsExactly(adminA);
        assertThat(ids(ok(client.get("/v2/tasks?id=" + adminB, MEMBER_A), 200))).isEmpty();
    }

    @Test
    void ownerFilterCannotWidenVisibility() {
        assertThat(ids(ok(client.get("/v2/tasks?owner=proj-b", MEMBER_A), 200))).isEmpty();
    }

    @Test
    void rolesOutsideThePolicyAreStillRefused() {
        assertJsonError(client.get("/v2/tasks", asJson(READER_B)), 403, FORBIDDEN);
    }

    @Test
    void memberDeleteIsAllowedByPolicyAndSo405() {
        var r = client.send("DELETE", "/v2/tasks/" + memberA, asJson(MEMBER_A), null);
        assertJsonError(r, 405, DELETE_REFUSED);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void memberWithNoProjectListsNothing() {
        Map<String, String> noProject = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "member");
        assertThat(ids(ok(client.get("/v2/tasks", noProject), 200))).isEmpty();
    }
}
