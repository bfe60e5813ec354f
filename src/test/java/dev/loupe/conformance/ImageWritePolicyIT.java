package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

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
 * The write rules with Glance 25.1's secure-RBAC defaults in a policy file (docs/upstream/glance-25.1-images-write.md,
 * the policy matrices): a reader of the owning project is refused each change with the rule's name; a member is not.
 */
class ImageWritePolicyIT {

    static final Map<String, String> READER_A = Client.identity("reader-a", "proj-a", "reader");
    static final String MEMBER_OF_PROJECT = "role:admin or (role:member and project_id:%(project_id)s)";

    @TempDir
    static Path dir;

    static LoupeServer server;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(
                dir,
                policy(
                        dir,
                        "add_image: \"role:admin or (role:member and project_id:%(project_id)s)\"\n"
                                + "modify_image: \"" + MEMBER_OF_PROJECT + "\"\n"
                                + "upload_image: \"" + MEMBER_OF_PROJECT + "\"\n"
                                + "deactivate: \"" + MEMBER_OF_PROJECT + "\"\n"
                                + "reactivate: \"" + MEMBER_OF_PROJECT + "\"\n"
                                + "communitize_image: \"role:admin\"\n"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String create(Map<String, String> who) {
        return ok(
                        server.client()
                                .post(
                                        "/v2/images",
                                        asJson(who),
                                        "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}"),
                        201)
                .get("id")
                .asText();
    }

    static HttpResponse<String> send(String method, Map<String, String> who, String path, String type, String body) {
        Map<String, String> headers = type == null ? asJson(who) : with(asJson(who), "Content-Type", type);
        return server.client().send(method, path, headers, body);
    }

    @Test
    void communitizeImageGuardsCommunityVisibility() {
        assertJsonError(
                server.client().post("/v2/images", asJson(MEMBER_A), "{\"visibility\": \"community\"}"),
                403,
                refusal("communitize_image"));
        String id = create(MEMBER_A);
        assertJsonError(
                send(
                        "PATCH",
                        MEMBER_A,
                        "/v2/images/" + id,
                        "application/openstack-images-v2.1-json-patch",
                        "[{\"op\": \"replace\", \"path\": \"/visibility\", \"value\": \"community\"}]"),
                403,
                refusal("communitize_image"));
        assertThat(ok(server.client().post("/v2/images", asJson(ADMIN_A), "{\"visibility\": \"community\"}"), 201)
                        .get("visibility")
                        .asText())
                .isEqualTo("community");
    }

    static String refusal(String rule) {
        return "You are not authorized to complete " + rule + " action.";
    }

    @Test
    void aReaderIsRefusedEveryChange() {
        assertJsonError(server.client().post("/v2/images", asJson(READER_A), "{}"), 403, refusal("add_image"));
        String id = create(MEMBER_A);
        String patch = "[{\"op\": \"replace\", \"path\": \"/name\", \"value\": \"x\"}]";
        assertJsonError(
                send("PATCH", READER_A, "/v2/images/" + id, "application/openstack-images-v2.1-json-patch", patch),
                403,
                refusal("modify_image"));
        assertJsonError(
                send("PUT", READER_A, "/v2/images/" + id + "/tags/x", null, null), 403, refusal("modify_image"));
        assertJsonError(
                send("DELETE", READER_A, "/v2/images/" + id + "/tags/x", null, null), 403, refusal("modify_image"));
        assertJsonError(
                send("PUT", READER_A, "/v2/images/" + id + "/file", "application/octet-stream", "abc"),
                403,
                refusal("upload_image"));
        assertThat(ok(server.client().get("/v2/images/" + id, ADMIN_A), 200)
                        .get("status")
                        .asText())
                .isEqualTo("queued");

        assertStatus(send("PUT", MEMBER_A, "/v2/images/" + id + "/file", "application/octet-stream", "abc"), 204);
        assertJsonError(
                send("POST", READER_A, "/v2/images/" + id + "/actions/deactivate", null, null),
                403,
                refusal("deactivate"));
        assertStatus(send("POST", MEMBER_A, "/v2/images/" + id + "/actions/deactivate", null, null), 204);
        assertJsonError(
                send("POST", READER_A, "/v2/images/" + id + "/actions/reactivate", null, null),
                403,
                refusal("reactivate"));
        assertStatus(send("POST", MEMBER_A, "/v2/images/" + id + "/actions/reactivate", null, null), 204);
        assertStatus(
                send("PATCH", MEMBER_A, "/v2/images/" + id, "application/openstack-images-v2.1-json-patch", patch),
                200);
        assertStatus(send("PUT", MEMBER_A, "/v2/images/" + id + "/tags/x", null, null), 204);
    }
}
