package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static dev.loupe.testing.ImageFixtures.NewImage.image;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.LoupeServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v2/images/{id}}: upstream's image view (ResponseSerializer._format_image, as the 25.1 transcripts show
 * it) and who may see which image (is_image_visible).
 */
class ImageShowIT {

    /** The key order of a Glance 25.1 image view, after any extra properties. */
    static final List<String> BASE_KEYS = List.of(
            "name",
            "disk_format",
            "container_format",
            "visibility",
            "size",
            "virtual_size",
            "status",
            "checksum",
            "protected",
            "min_ram",
            "min_disk",
            "owner",
            "os_hidden",
            "os_hash_algo",
            "os_hash_value",
            "id",
            "created_at",
            "updated_at",
            "tags",
            "self",
            "file",
            "schema");

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static ImageFixtures rows;
    static Image active;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir);
        client = server.client();
        rows = new ImageFixtures(dir);
        active = rows.insert(image().name("tiny-qcow2")
                .diskFormat("qcow2")
                .virtualSize(1048576L)
                .properties("hw_foo", "bar", "os_distro", "debian")
                .tags("b-tag", "a-tag")
                .minDisk(2)
                .minRam(512)
                .createdAt(Instant.parse("2026-11-26T18:12:15.123456Z"))
                .updatedAt(Instant.parse("2026-11-26T18:12:16.999999Z")));
    }

    @AfterAll
    static void stop() {
        rows.close();
        server.close();
    }

    private static JsonNode show(String id, Map<String, String> who) {
        return ok(client.get("/v2/images/" + id, who), 200);
    }

    @Test
    void activeImageViewHasUpstreamsKeysValuesAndOrder() {
        JsonNode view = show(active.id(), MEMBER_A);
        assertThat(keys(view)).containsExactlyElementsOf(concat(List.of("hw_foo", "os_distro"), BASE_KEYS));
        assertThat(view.get("hw_foo").textValue()).isEqualTo("bar");
        assertThat(view.get("os_distro").textValue()).isEqualTo("debian");
        assertThat(view.get("name").textValue()).isEqualTo("tiny-qcow2");
        assertThat(view.get("disk_format").textValue()).isEqualTo("qcow2");
        assertThat(view.get("container_format").textValue()).isEqualTo("bare");
        assertThat(view.get("visibility").textValue()).isEqualTo("private");
        assertThat(view.get("size").isIntegralNumber()).isTrue();
        assertThat(view.get("size").longValue()).isEqualTo(1024);
        assertThat(view.get("virtual_size").longValue()).isEqualTo(1048576);
        assertThat(view.get("status").textValue()).isEqualTo("active");
        assertThat(view.get("checksum").textValue())
                .isEqualTo(active.checksum())
                .matches("[0-9a-f]{32}");
        assertThat(view.get("protected").isBoolean()).isTrue();
        assertThat(view.get("protected").booleanValue()).isFalse();
        assertThat(view.get("min_ram").intValue()).isEqualTo(512);
        assertThat(view.get("min_disk").intValue()).isEqualTo(2);
        assertThat(view.get("owner").textValue()).isEqualTo("proj-a");
        assertThat(view.get("os_hidden").booleanValue()).isFalse();
        assertThat(view.get("os_hash_algo").textValue()).isEqualTo("sha512");
        assertThat(view.get("os_hash_value").textValue())
                .isEqualTo(active.osHashValue())
                .matches("[0-9a-f]{128}");
        assertThat(view.get("id").textValue()).isEqualTo(active.id());
        assertThat(view.get("created_at").textValue()).isEqualTo("2026-11-26T18:12:15Z");
        assertThat(view.get("updated_at").textValue()).isEqualTo("2026-11-26T18:12:16Z");
        assertThat(view.get("tags"))
                .containsExactlyInAnyOrder(
                        JSON.getNodeFactory().textNode("a-tag"),
                        JSON.getNodeFactory().textNode("b-tag"));
        assertThat(view.get("self").textValue()).isEqualTo("/v2/images/" + active.id());
        assertThat(view.get("file").textValue()).isEqualTo("/v2/images/" + active.id() + "/file");
        assertThat(view.get("schema").textValue()).isEqualTo("/v2/schemas/image");
    }

    @Test
    void locationsAndDirectUrlAreNeverShown() {
        JsonNode view = show(active.id(), ADMIN_A);
        assertThat(view.has("locations")).isFalse();
        assertThat(view.has("direct_url")).isFalse();
        assertThat(view.toString()).doesNotContain("file:");
    }

    @Test
    void queuedImageShowsNullsAsUpstreamDoes() {
        Image queued = rows.insert(
                image().status(ImageStatus.QUEUED).name(null).diskFormat(null).containerFormat(null));
        JsonNode view = show(queued.id(), MEMBER_A);
        assertThat(keys(view)).containsExactlyElementsOf(BASE_KEYS);
        for (String key : List.of(
                "name",
                "disk_format",
                "container_format",
                "size",
                "virtual_size",
                "checksum",
                "os_hash_algo",
                "os_hash_value")) {
            assertThat(view.get(key).isNull()).as(key).isTrue();
        }
        assertThat(view.get("status").textValue()).isEqualTo("queued");
        assertThat(view.get("tags")).isEmpty();
    }

    @Test
    void hiddenStagingPropertyIsNotShown() {
        Image staged = rows.insert(image().properties("os_glance_stage_host", "http://node-1", "zeta", "1"));
        JsonNode view = show(staged.id(), MEMBER_A);
        assertThat(view.has("os_glance_stage_host")).isFalse();
        assertThat(view.get("zeta").textValue()).isEqualTo("1");
    }

    @Test
    void nonAsciiValuesAreSentAsUtf8() {
        Image named = rows.insert(image().name("Ωmega ☃").properties("description", "café"));
        HttpResponse<String> r = client.get("/v2/images/" + named.id(), MEMBER_A);
        assertThat(r.body()).contains("Ωmega ☃").contains("café");
    }

    // ---- visibility (is_image_visible) ---------------------------------------------------------------------------

    @Test
    void privateImageIsVisibleToItsProjectAndAdminsOnly() {
        assertThat(show(active.id(), MEMBER_A).get("id").textValue()).isEqualTo(active.id());
        assertThat(show(active.id(), ADMIN_B).get("id").textValue()).isEqualTo(active.id());
        assertJsonError(
                client.get("/v2/images/" + active.id(), asJson(READER_B)),
                404,
                "No image found with ID " + active.id());
    }

    @Test
    void sharedImageIsVisibleToItsOwnerOnlyWithoutMembers() {
        Image shared = rows.insert(image().visibility("shared"));
        show(shared.id(), MEMBER_A);
        assertJsonError(
                client.get("/v2/images/" + shared.id(), asJson(READER_B)),
                404,
                "No image found with ID " + shared.id());
    }

    @Test
    void publicAndCommunityImagesAreVisibleToEveryone() {
        for (String visibility : List.of("public", "community")) {
            Image image = rows.insert(image().visibility(visibility));
            assertThat(show(image.id(), READER_B).get("visibility").textValue()).isEqualTo(visibility);
            Map<String, String> noProject = Map.of("X-Identity-Status", "Confirmed", "X-Roles", "reader");
            assertThat(show(image.id(), noProject).get("id").textValue()).isEqualTo(image.id());
        }
    }

    @Test
    void imageWithoutOwnerIsVisibleToEveryone() {
        Image ownerless = rows.insert(image().owner(null).visibility("shared"));
        assertThat(show(ownerless.id(), READER_B).get("owner").isNull()).isTrue();
    }

    @Test
    void callerWithoutProjectSeesNoPrivateImage() {
        Map<String, String> noProject =
                Map.of("X-Identity-Status", "Confirmed", "X-Roles", "member", "Accept", "application/json");
        assertJsonError(
                client.get("/v2/images/" + active.id(), noProject), 404, "No image found with ID " + active.id());
    }

    // ---- not found ------------------------------------------------------------------------------------------------

    @Test
    void unknownIdGives404WithUpstreamsMessage() {
        String id = "00000000-0000-0000-0000-000000000000";
        assertJsonError(client.get("/v2/images/" + id, asJson(ADMIN_A)), 404, "No image found with ID " + id);
        assertJsonError(client.get("/v2/images/not-a-uuid", asJson(ADMIN_A)), 404, "No image found with ID not-a-uuid");
        String tooLong = "x".repeat(37);
        assertJsonError(client.get("/v2/images/" + tooLong, asJson(ADMIN_A)), 404, "No image found with ID " + tooLong);
    }

    @Test
    void deletedImageGives404EvenToAdmins() {
        Image gone = rows.insert(image());
        rows.repository().softDelete(gone.id(), Instant.now());
        assertJsonError(
                client.get("/v2/images/" + gone.id(), asJson(ADMIN_A)), 404, "No image found with ID " + gone.id());
    }

    @Test
    void bodyOnShowGives400() {
        HttpResponse<String> r = client.send("GET", "/v2/images/" + active.id(), asJson(ADMIN_A), "{}");
        assertJsonError(r, 400, "A body is not expected with this request.");
    }

    @Test
    void withoutCredentialsGives401() {
        assertJsonError(client.get("/v2/images/" + active.id(), asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void servedUnderVersionPrefixes() {
        assertThat(ok(client.get("/v2.12/images/" + active.id(), MEMBER_A), 200)
                        .get("id")
                        .textValue())
                .isEqualTo(active.id());
    }

    @Test
    void getImagePolicyRefusalIsNotFound() {
        Path policyDir = dir.resolve("policy-show");
        try (LoupeServer strict = LoupeServer.start(policyDir, policy(dir, "get_image: \"role:admin\"\n"))) {
            try (ImageFixtures strictRows = new ImageFixtures(policyDir)) {
                Image mine = strictRows.insert(image());
                assertJsonError(strict.client().get("/v2/images/" + mine.id(), asJson(MEMBER_A)), 404, NOT_FOUND);
                assertThat(ok(strict.client().get("/v2/images/" + mine.id(), ADMIN_A), 200)
                                .get("id")
                                .textValue())
                        .isEqualTo(mine.id());
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
