package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v2/images} as Glance 25.1 answers it (docs/upstream/glance-25.1-images-write.md §2): a queued image
 * with upstream's defaults, the schema's refusals with upstream's message, read-only and reserved attributes,
 * {@code add_image} / {@code publicize_image} and the owner rule.
 */
class ImageCreateIT {

    static final String DISK_FORMATS =
            "[None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']";
    static final String IMAGE_SCHEMA = "Provided object does not match schema 'image': ";
    static final String DENIED = "Access was denied to this resource.\n\n ";

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static HttpResponse<String> create(Map<String, String> who, String body) {
        return server.client().post("/v2/images", asJson(who), body);
    }

    /** The message's first line: upstream's headline before jsonschema's detail. */
    static String headline(HttpResponse<String> r, int status) {
        return firstLine(jsonError(r, status));
    }

    @Test
    void emptyBodyGivesAQueuedImageWithUpstreamsDefaults() {
        HttpResponse<String> r = create(ADMIN_A, "{}");
        JsonNode image = ok(r, 201);
        String id = image.get("id").asText();
        assertThat(id).matches(UUID);
        assertThat(r.headers().firstValue("Location")).hasValue(server.baseUrl() + "/v2/images/" + id);
        assertThat(keys(image))
                .containsExactly(
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
        for (String nullKey : List.of(
                "name",
                "disk_format",
                "container_format",
                "size",
                "virtual_size",
                "checksum",
                "os_hash_algo",
                "os_hash_value")) {
            assertThat(image.get(nullKey).isNull()).as(nullKey).isTrue();
        }
        assertThat(image.get("visibility").asText()).isEqualTo("shared");
        assertThat(image.get("status").asText()).isEqualTo("queued");
        assertThat(image.get("protected").asBoolean()).isFalse();
        assertThat(image.get("os_hidden").asBoolean()).isFalse();
        assertThat(image.get("min_ram").asInt()).isZero();
        assertThat(image.get("min_disk").asInt()).isZero();
        assertThat(image.get("owner").asText()).isEqualTo("proj-a");
        assertThat(image.get("tags")).isEmpty();
        assertThat(image.get("created_at").asText())
                .matches(ISOTIME)
                .isEqualTo(image.get("updated_at").asText());
        assertThat(image.get("self").asText()).isEqualTo("/v2/images/" + id);
        assertThat(image.get("file").asText()).isEqualTo("/v2/images/" + id + "/file");
        assertThat(image.get("schema").asText()).isEqualTo("/v2/schemas/image");

        assertThat(ok(server.client().get("/v2/images/" + id, ADMIN_A), 200)).isEqualTo(image);
    }

    @Test
    void everyWritableAttributeAndExtraPropertiesFirst() {
        String id = "11111111-2222-4333-8444-555555555555";
        JsonNode image = ok(
                create(
                        ADMIN_A,
                        "{\"id\": \"" + id + "\", \"name\": \"full\", \"disk_format\": \"qcow2\","
                                + " \"container_format\": \"bare\", \"visibility\": \"private\", \"min_ram\": 512,"
                                + " \"min_disk\": 1, \"protected\": false, \"tags\": [\"b\", \"a\"],"
                                + " \"os_hidden\": false, \"architecture\": \"x86_64\", \"os_distro\": \"debian\","
                                + " \"hw_disk_bus\": \"scsi\", \"foo\": \"bar\"}"),
                201);
        assertThat(image.get("id").asText()).isEqualTo(id);
        assertThat(List.copyOf(keys(image)).subList(0, 4))
                .containsExactlyInAnyOrder("architecture", "os_distro", "hw_disk_bus", "foo");
        assertThat(image.get("foo").asText()).isEqualTo("bar");
        assertThat(image.get("name").asText()).isEqualTo("full");
        assertThat(image.get("disk_format").asText()).isEqualTo("qcow2");
        assertThat(image.get("container_format").asText()).isEqualTo("bare");
        assertThat(image.get("visibility").asText()).isEqualTo("private");
        assertThat(image.get("min_ram").asInt()).isEqualTo(512);
        assertThat(image.get("min_disk").asInt()).isEqualTo(1);
        assertThat(image.get("tags").toString()).isEqualTo("[\"a\",\"b\"]");

        assertJsonError(create(ADMIN_A, "{\"id\": \"" + id + "\"}"), 409, "Image ID " + id + " already exists!");
    }

    @Test
    void ownerDefaultsToTheCallersProjectAndOnlyAdminsNameAnother() {
        assertThat(ok(create(MEMBER_A, "{\"name\": \"m\"}"), 201).get("owner").asText())
                .isEqualTo("proj-a");
        assertThat(ok(create(MEMBER_A, "{\"owner\": \"proj-a\"}"), 201)
                        .get("owner")
                        .asText())
                .isEqualTo("proj-a");
        assertJsonError(
                create(MEMBER_A, "{\"owner\": \"proj-b\"}"),
                403,
                "You are not permitted to create images owned by 'proj-b'.");
        assertThat(ok(create(ADMIN_A, "{\"owner\": \"proj-b\"}"), 201)
                        .get("owner")
                        .asText())
                .isEqualTo("proj-b");
        // No project, so no owner: upstream prints Python's None.
        Map<String, String> projectless = Map.of(
                "X-Identity-Status", "Confirmed", "X-User-Id", "u", "X-Roles", "member", "Accept", "application/json");
        assertJsonError(
                server.client().post("/v2/images", projectless, "{}"),
                403,
                "You are not permitted to create images owned by 'None'.");
    }

    @Test
    void publicIsForAdminsCommunityAndSharedForAll() {
        assertJsonError(
                create(MEMBER_A, "{\"visibility\": \"public\"}"),
                403,
                "You are not authorized to complete publicize_image action.");
        assertJsonError(
                create(READER_B, "{\"visibility\": \"public\"}"),
                403,
                "You are not authorized to complete publicize_image action.");
        assertThat(ok(create(MEMBER_A, "{\"visibility\": \"community\"}"), 201)
                        .get("visibility")
                        .asText())
                .isEqualTo("community");
        assertThat(ok(create(READER_B, "{\"visibility\": \"shared\"}"), 201)
                        .get("visibility")
                        .asText())
                .isEqualTo("shared");
        assertThat(ok(create(ADMIN_A, "{\"visibility\": \"public\"}"), 201)
                        .get("visibility")
                        .asText())
                .isEqualTo("public");
    }

    @Test
    void bodyRefusals() {
        assertJsonError(
                server.client().send("POST", "/v2/images", asJson(ADMIN_A), null), 400, "Body expected in request.");
        assertJsonError(create(ADMIN_A, "{"), 400, "Malformed JSON in request body.");
        // Glance 25.1 answers 500 (a TypeError) for a JSON list.
        assertThat(jsonError(create(ADMIN_A, "[]"), 400)).startsWith("Request body must be a JSON object");
        // Upstream ignores the Content-Type of a create (201); Loupe refuses a non-JSON one, as for tasks (C4).
        HttpResponse<String> plain = server.client()
                .post("/v2/images", with(asJson(ADMIN_A), "Content-Type", "text/plain"), "{\"name\": \"tp\"}");
        assertThat(jsonError(plain, 415)).startsWith("Unsupported Content-Type 'text/plain'");
        assertJsonError(server.client().post("/v2/images", asJson(ANONYMOUS), "{}"), 401, UNAUTHORIZED);
    }

    @Test
    void schemaRefusalsCarryUpstreamsHeadline() {
        assertThat(headline(create(ADMIN_A, "{\"disk_format\": \"floppy\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'floppy' is not one of " + DISK_FORMATS);
        String message = jsonError(create(ADMIN_A, "{\"disk_format\": \"RAW\"}"), 400);
        assertThat(message)
                .startsWith(IMAGE_SCHEMA + "'RAW' is not one of " + DISK_FORMATS)
                .contains("Failed validating 'enum' in schema['properties']['disk_format']")
                .contains("On instance['disk_format']:\n    'RAW'");
        assertThat(headline(create(ADMIN_A, "{\"container_format\": \"box\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA
                        + "'box' is not one of [None, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',"
                        + " 'compressed']");
        assertThat(headline(create(ADMIN_A, "{\"visibility\": \"everyone\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'everyone' is not one of ['community', 'public', 'private', 'shared']");
        String pattern = "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'";
        assertThat(headline(create(ADMIN_A, "{\"id\": \"abc\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'abc' does not match " + pattern);
        assertThat(headline(create(ADMIN_A, "{\"id\": \"11111111222243338444555555555556\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'11111111222243338444555555555556' does not match " + pattern);
        String n256 = "n".repeat(256);
        assertThat(headline(create(ADMIN_A, "{\"name\": \"" + n256 + "\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'" + n256 + "' is too long");
        assertThat(ok(create(ADMIN_A, "{\"name\": \"" + "n".repeat(255) + "\"}"), 201)
                        .get("name")
                        .asText())
                .hasSize(255);
        assertThat(ok(create(ADMIN_A, "{\"name\": null}"), 201).get("name").isNull())
                .isTrue();
        assertThat(headline(create(ADMIN_A, "{\"min_ram\": \"5\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'5' is not of type 'integer'");
        assertThat(headline(create(ADMIN_A, "{\"min_ram\": 1.5}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "1.5 is not of type 'integer'");
        assertThat(headline(create(ADMIN_A, "{\"protected\": \"yes\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'yes' is not of type 'boolean'");
        assertThat(headline(create(ADMIN_A, "{\"os_hidden\": \"true\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'true' is not of type 'boolean'");
        assertThat(headline(create(ADMIN_A, "{\"tags\": \"a\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'a' is not of type 'array'");
        String t256 = "t".repeat(256);
        String tagMessage = jsonError(create(ADMIN_A, "{\"tags\": [\"" + t256 + "\"]}"), 400);
        assertThat(tagMessage)
                .startsWith(IMAGE_SCHEMA + "'" + t256 + "' is too long")
                .contains("Failed validating 'maxLength' in schema['properties']['tags']['items']")
                .contains("On instance['tags'][0]");
        String extra = jsonError(create(ADMIN_A, "{\"foo\": 5}"), 400);
        assertThat(extra)
                .startsWith(IMAGE_SCHEMA + "5 is not of type 'string'")
                .contains("Failed validating 'type' in schema['additionalProperties']")
                .contains("On instance['foo']:\n    5");
        assertThat(headline(create(ADMIN_A, "{\"foo\": null}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "None is not of type 'string'");
        assertThat(headline(create(ADMIN_A, "{\"os_distro\": 5}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "5 is not of type 'string'");
        String o256 = "o".repeat(256);
        assertThat(headline(create(ADMIN_A, "{\"owner\": \"" + o256 + "\"}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "'" + o256 + "' is too long");
        assertThat(headline(create(ADMIN_A, "{\"deleted\": false}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "False is not of type 'string'");
        assertThat(headline(create(ADMIN_A, "{\"deleted_at\": null}"), 400))
                .isEqualTo(IMAGE_SCHEMA + "None is not of type 'string'");
    }

    @Test
    void otherValueRefusals() {
        assertJsonError(
                create(ADMIN_A, "{\"min_ram\": -1}"),
                400,
                "Invalid value '-1' for parameter 'min_ram': Cannot be a negative value");
        assertJsonError(
                create(ADMIN_A, "{\"min_disk\": -1}"),
                400,
                "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value");
        assertJsonError(
                create(ADMIN_A, "{\"" + "k".repeat(256) + "\": \"v\"}"),
                400,
                "Custom property should not be greater than 255 characters.");
        assertThat(ok(create(ADMIN_A, "{\"foo\": \"" + "v".repeat(256) + "\"}"), 201)
                        .get("foo")
                        .asText())
                .hasSize(256);
        assertThat(ok(create(ADMIN_A, "{\"tags\": [\"a\", \"a\"]}"), 201)
                        .get("tags")
                        .toString())
                .isEqualTo("[\"a\"]");
        assertThat(ok(create(ADMIN_A, "{\"tags\": [\"" + "t".repeat(255) + "\"]}"), 201)
                        .get("tags")
                        .get(0)
                        .asText())
                .hasSize(255);
    }

    @Test
    void readOnlyAndReservedAttributes() {
        for (String key : List.of(
                "status",
                "size",
                "virtual_size",
                "checksum",
                "direct_url",
                "self",
                "file",
                "schema",
                "created_at",
                "updated_at",
                "stores")) {
            String value = switch (key) {
                case "size", "virtual_size" -> "5";
                case "status" -> "\"active\"";
                case "checksum" -> "\"00000000000000000000000000000000\"";
                case "created_at", "updated_at" -> "\"2020-01-01T00:00:00Z\"";
                default -> "\"x\"";
            };
            assertJsonError(
                    create(ADMIN_A, "{\"" + key + "\": " + value + "}"), 403, "Attribute '" + key + "' is read-only.");
        }
        for (String key : List.of(
                "location",
                "deleted",
                "os_glance_import_task",
                "os_glance_failed_import",
                "os_glance_importing_to_stores",
                "os_glance_foo")) {
            assertJsonError(
                    create(ADMIN_A, "{\"" + key + "\": \"x\"}"), 403, DENIED + "Attribute '" + key + "' is reserved.");
        }
        assertJsonError(create(ADMIN_A, "{\"locations\": []}"), 403, "Attribute 'locations' is reserved.");
        JsonNode dropped = ok(create(ADMIN_A, "{\"os_hash_algo\": \"sha512\", \"os_hash_value\": \"00\"}"), 201);
        assertThat(dropped.get("os_hash_algo").isNull()).isTrue();
        assertThat(dropped.get("os_hash_value").isNull()).isTrue();
    }

    @Test
    void plainTextErrorsAsUpstreamWritesThem() {
        HttpResponse<String> r =
                server.client().post("/v2/images", ADMIN_A, "{\"location\": \"http://example.com/x\"}");
        assertPlainError(r, 403, DENIED + "Attribute 'location' is reserved.");
    }
}
