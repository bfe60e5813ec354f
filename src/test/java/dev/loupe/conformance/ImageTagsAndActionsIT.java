package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.Client;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tags ({@code PUT|DELETE /v2/images/{id}/tags/{tag}}) and {@code POST /v2/images/{id}/actions/deactivate|reactivate}
 * as Glance 25.1 answers them (docs/upstream/glance-25.1-images-write.md §5, §6).
 */
class ImageTagsAndActionsIT {

    static final Map<String, String> MEMBER_B = Client.identity("member-b", "proj-b", "member");
    static final String UNKNOWN = "00000000-0000-4000-8000-00000000dead";

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static String create(Map<String, String> who, String body) {
        return ok(server.client().post("/v2/images", asJson(who), body), 201)
                .get("id")
                .asText();
    }

    static String active(Map<String, String> who, String visibility) {
        String id = create(
                who,
                "{\"disk_format\": \"raw\", \"container_format\": \"bare\", \"visibility\": \"" + visibility + "\"}");
        assertStatus(
                server.client()
                        .send(
                                "PUT",
                                "/v2/images/" + id + "/file",
                                with(asJson(who), "Content-Type", "application/octet-stream"),
                                "some bytes"),
                204);
        return id;
    }

    static HttpResponse<String> send(String method, Map<String, String> who, String path) {
        return server.client().send(method, path, asJson(who), null);
    }

    static JsonNode show(String id) {
        return ok(server.client().get("/v2/images/" + id, ADMIN_A), 200);
    }

    @Test
    void tagsArePutIdempotentlyAndDeleted() {
        String id = create(ADMIN_A, "{}");
        HttpResponse<String> r = send("PUT", ADMIN_A, "/v2/images/" + id + "/tags/red");
        assertStatus(r, 204);
        assertThat(r.body()).isEmpty();
        assertStatus(send("PUT", ADMIN_A, "/v2/images/" + id + "/tags/red"), 204);
        assertStatus(send("PUT", ADMIN_A, "/v2/images/" + id + "/tags/a%20b"), 204);
        String t255 = "t".repeat(255);
        assertStatus(send("PUT", ADMIN_A, "/v2/images/" + id + "/tags/" + t255), 204);
        assertThat(show(id).get("tags").toString()).isEqualTo("[\"a b\",\"red\",\"" + t255 + "\"]");

        String t256 = "t".repeat(256);
        assertThat(jsonError(send("PUT", ADMIN_A, "/v2/images/" + id + "/tags/" + t256), 400))
                .startsWith("Provided object does not match schema 'image': '" + t256 + "' is too long")
                .contains("Failed validating 'maxLength' in schema['properties']['tags']['items']")
                .contains("On instance['tags'][0]");

        assertStatus(send("DELETE", ADMIN_A, "/v2/images/" + id + "/tags/red"), 204);
        assertJsonError(send("DELETE", ADMIN_A, "/v2/images/" + id + "/tags/red"), 404, NOT_FOUND);
        assertThat(show(id).get("tags").toString()).isEqualTo("[\"a b\",\"" + t255 + "\"]");

        assertJsonError(
                send("PUT", ADMIN_A, "/v2/images/" + UNKNOWN + "/tags/x"), 404, "Image " + UNKNOWN + " not found.");
        assertJsonError(
                send("DELETE", ADMIN_A, "/v2/images/" + UNKNOWN + "/tags/x"), 404, "Image " + UNKNOWN + " not found.");
    }

    @Test
    void tagsOfAnotherProjectsImage() {
        String id = create(MEMBER_A, "{\"visibility\": \"private\"}");
        assertStatus(send("PUT", MEMBER_A, "/v2/images/" + id + "/tags/x"), 204);
        assertJsonError(send("PUT", MEMBER_B, "/v2/images/" + id + "/tags/x"), 404, "Image " + id + " not found.");
        assertJsonError(send("DELETE", MEMBER_B, "/v2/images/" + id + "/tags/x"), 404, "Image " + id + " not found.");
        String shown = create(ADMIN_A, "{\"visibility\": \"public\"}");
        assertJsonError(send("PUT", READER_B, "/v2/images/" + shown + "/tags/x"), 403, "You do not own this image");
    }

    @Test
    void deactivateAndReactivate() {
        String id = active(ADMIN_A, "shared");
        HttpResponse<String> r = send("POST", ADMIN_A, "/v2/images/" + id + "/actions/deactivate");
        assertStatus(r, 204);
        assertThat(r.body()).isEmpty();
        assertThat(show(id).get("status").asText()).isEqualTo("deactivated");
        HttpResponse<String> download = server.client().get("/v2/images/" + id + "/file", ADMIN_A);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo("some bytes");
        assertStatus(send("POST", ADMIN_A, "/v2/images/" + id + "/actions/deactivate"), 204);
        assertJsonError(
                server.client()
                        .send(
                                "PUT",
                                "/v2/images/" + id + "/file",
                                with(asJson(ADMIN_A), "Content-Type", "application/octet-stream"),
                                "x"),
                409,
                "Image status transition from deactivated to saving is not allowed");
        assertStatus(send("POST", ADMIN_A, "/v2/images/" + id + "/actions/reactivate"), 204);
        assertThat(show(id).get("status").asText()).isEqualTo("active");
        assertStatus(send("POST", ADMIN_A, "/v2/images/" + id + "/actions/reactivate"), 204);
        assertThat(show(id).get("status").asText()).isEqualTo("active");
    }

    @Test
    void queuedImagesCannotBeDeactivatedOrReactivated() {
        String id = create(ADMIN_A, "{}");
        assertJsonError(
                send("POST", ADMIN_A, "/v2/images/" + id + "/actions/deactivate"),
                403,
                "Not allowed to deactivate image in status 'queued'");
        assertJsonError(
                send("POST", ADMIN_A, "/v2/images/" + id + "/actions/reactivate"),
                403,
                "Not allowed to reactivate image in status 'queued'");
        assertThat(show(id).get("status").asText()).isEqualTo("queued");
    }

    @Test
    void ownersProjectActsOthersDoNotSeeIt() {
        String id = active(MEMBER_A, "private");
        assertStatus(send("POST", MEMBER_A, "/v2/images/" + id + "/actions/deactivate"), 204);
        assertJsonError(
                server.client().get("/v2/images/" + id + "/file", asJson(MEMBER_A)),
                403,
                "The requested image has been deactivated. Image data download is forbidden.");
        assertJsonError(
                send("POST", MEMBER_B, "/v2/images/" + id + "/actions/reactivate"),
                404,
                "No image found with ID " + id);
        assertStatus(send("POST", MEMBER_A, "/v2/images/" + id + "/actions/reactivate"), 204);
        assertThat(server.client().get("/v2/images/" + id + "/file", MEMBER_A).body())
                .isEqualTo("some bytes");
        assertJsonError(
                send("POST", ADMIN_A, "/v2/images/" + UNKNOWN + "/actions/deactivate"),
                404,
                "No image found with ID " + UNKNOWN);
        String shown = active(ADMIN_A, "public");
        assertJsonError(
                send("POST", READER_B, "/v2/images/" + shown + "/actions/deactivate"),
                403,
                "You do not own this image");
    }
}
