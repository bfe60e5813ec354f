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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code PATCH /v2/images/{id}} as Glance 25.1 answers it (docs/upstream/glance-25.1-images-write.md §3): the two
 * JSON patch media types, add/replace/remove of base and extra properties, read-only and reserved names,
 * locations, the owner and visibility rules, and every refusal's message.
 */
class ImageUpdateIT {

    static final String V21 = "application/openstack-images-v2.1-json-patch";
    static final String V20 = "application/openstack-images-v2.0-json-patch";
    static final String DENIED = "Access was denied to this resource.\n\n ";
    static final String CONFLICT = "There was a conflict when trying to complete your request.\n\n ";
    static final Map<String, String> MEMBER_B = Client.identity("member-b", "proj-b", "member");

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static String create(Map<String, String> who, String body) {
        return ok(server.client().post("/v2/images", asJson(who), body), 201)
                .get("id")
                .asText();
    }

    static HttpResponse<String> patch(Map<String, String> who, String id, String type, String body) {
        Map<String, String> headers = type == null ? asJson(who) : with(asJson(who), "Content-Type", type);
        return server.client().send("PATCH", "/v2/images/" + id, headers, body);
    }

    static HttpResponse<String> patch(String id, String body) {
        return patch(ADMIN_A, id, V21, body);
    }

    static String op(String op, String path, String value) {
        return "[{\"op\": \"" + op + "\", \"path\": \"" + path + "\"" + (value == null ? "" : ", \"value\": " + value)
                + "}]";
    }

    @Test
    void addReplaceRemoveExtraAndBaseProperties() {
        String id = create(ADMIN_A, "{\"name\": \"n\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        JsonNode before = ok(server.client().get("/v2/images/" + id, ADMIN_A), 200);
        JsonNode image = ok(
                patch(
                        id,
                        "[{\"op\": \"replace\", \"path\": \"/name\", \"value\": \"renamed\"},"
                                + " {\"op\": \"add\", \"path\": \"/foo\", \"value\": \"bar\"}]"),
                200);
        assertThat(image.get("name").asText()).isEqualTo("renamed");
        assertThat(image.get("foo").asText()).isEqualTo("bar");
        assertThat(keys(image).iterator().next()).isEqualTo("foo");
        assertThat(image.get("status").asText()).isEqualTo("queued");
        assertThat(image.get("created_at")).isEqualTo(before.get("created_at"));
        assertThat(ok(server.client().get("/v2/images/" + id, ADMIN_A), 200)).isEqualTo(image);

        assertThat(ok(patch(id, op("replace", "/foo", "\"baz\"")), 200)
                        .get("foo")
                        .asText())
                .isEqualTo("baz");
        assertThat(ok(patch(id, op("add", "/foo", "\"qux\"")), 200).get("foo").asText())
                .isEqualTo("qux");
        assertThat(ok(patch(id, op("remove", "/foo", null)), 200).has("foo")).isFalse();
        assertJsonError(patch(id, op("remove", "/foo", null)), 409, CONFLICT + "Property foo does not exist.");
        assertJsonError(
                patch(id, op("replace", "/nosuch", "\"x\"")), 409, CONFLICT + "Property nosuch does not exist.");

        image = ok(
                patch(
                        id,
                        "[{\"op\": \"add\", \"path\": \"/min_ram\", \"value\": 256},"
                                + " {\"op\": \"replace\", \"path\": \"/min_disk\", \"value\": 2},"
                                + " {\"op\": \"replace\", \"path\": \"/protected\", \"value\": true}]"),
                200);
        assertThat(image.get("min_ram").asInt()).isEqualTo(256);
        assertThat(image.get("min_disk").asInt()).isEqualTo(2);
        assertThat(image.get("protected").asBoolean()).isTrue();
        assertJsonError(
                server.client().send("DELETE", "/v2/images/" + id, asJson(ADMIN_A), null),
                403,
                "Image " + id + " is protected and cannot be deleted.");
        assertThat(ok(patch(id, op("replace", "/protected", "false")), 200)
                        .get("protected")
                        .asBoolean())
                .isFalse();

        for (String base : List.of("name", "min_ram", "disk_format", "visibility")) {
            assertJsonError(
                    patch(id, op("remove", "/" + base, null)),
                    403,
                    DENIED + "Property " + base + " may not be removed.");
        }
        assertThat(ok(patch(id, op("replace", "/disk_format", "\"qcow2\"")), 200)
                        .get("disk_format")
                        .asText())
                .isEqualTo("qcow2");
        assertThat(firstLine(jsonError(patch(id, op("replace", "/disk_format", "\"floppy\"")), 400)))
                .startsWith("Provided object does not match schema 'image': 'floppy' is not one of [None, 'ami'");
        assertThat(ok(patch(id, op("replace", "/name", "null")), 200)
                        .get("name")
                        .isNull())
                .isTrue();
        assertJsonError(
                patch(id, op("replace", "/min_ram", "-1")),
                400,
                "Invalid value '-1' for parameter 'min_ram': Cannot be a negative value");
        assertThat(firstLine(jsonError(patch(id, op("replace", "/protected", "\"yes\"")), 400)))
                .isEqualTo("Provided object does not match schema 'image': 'yes' is not of type 'boolean'");
        assertThat(ok(patch(id, op("replace", "/owner", "\"proj-b\"")), 200)
                        .get("owner")
                        .asText())
                .isEqualTo("proj-b");
        assertThat(ok(patch(id, op("replace", "/tags", "[\"x\", \"y\"]")), 200)
                        .get("tags")
                        .toString())
                .isEqualTo("[\"x\",\"y\"]");
        assertThat(ok(patch(id, op("replace", "/tags", "[\"d\", \"d\"]")), 200)
                        .get("tags")
                        .toString())
                .isEqualTo("[\"d\"]");
        assertJsonError(
                patch(id, op("add", "/tags/-", "\"z\"")), 400, "Invalid JSON pointer for this resource: '/tags/-'");
        assertThat(ok(patch(id, op("replace", "/visibility", "\"public\"")), 200)
                        .get("visibility")
                        .asText())
                .isEqualTo("public");
        assertThat(ok(patch(id, op("add", "/a~1b", "\"x\"")), 200).get("a/b").asText())
                .isEqualTo("x");
        JsonNode unchanged = ok(server.client().get("/v2/images/" + id, ADMIN_A), 200);
        assertThat(ok(patch(id, "[]"), 200)).isEqualTo(unchanged);
    }

    @Test
    void readOnlyAndReservedNames() {
        String id = create(ADMIN_A, "{}");
        for (String key : List.of(
                "id",
                "status",
                "size",
                "virtual_size",
                "checksum",
                "os_hash_value",
                "created_at",
                "updated_at",
                "self",
                "file",
                "schema",
                "direct_url")) {
            assertJsonError(patch(id, op("replace", "/" + key, "\"x\"")), 403, "Attribute '" + key + "' is read-only.");
        }
        assertJsonError(patch(id, op("add", "/status", "\"active\"")), 403, "Attribute 'status' is read-only.");
        assertJsonError(patch(id, op("remove", "/status", null)), 403, "Attribute 'status' is read-only.");
        for (String key : List.of("location", "os_glance_import_task", "os_glance_failed_import", "os_glance_foo")) {
            assertJsonError(patch(id, op("replace", "/" + key, "\"x\"")), 403, "Attribute '" + key + "' is reserved.");
        }
        // tempest sends the v2.0 form
        assertJsonError(
                patch(ADMIN_A, id, V20, "[{\"add\": \"/os_glance_foo\", \"value\": \"x\"}]"),
                403,
                "Attribute 'os_glance_foo' is reserved.");
        assertJsonError(
                patch(id, op("add", "/locations/-", "{\"url\": \"http://127.0.0.1/x\", \"metadata\": {}}")),
                403,
                "It's not allowed to add locations if locations are invisible.");
        assertJsonError(
                patch(id, op("replace", "/locations", "[]")), 403, DENIED + "Cannot set locations to empty list.");
    }

    @Test
    void formatsChangeOnlyWhileQueued() {
        String id = create(ADMIN_A, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        HttpResponse<String> upload = server.client()
                .send(
                        "PUT",
                        "/v2/images/" + id + "/file",
                        with(asJson(ADMIN_A), "Content-Type", "application/octet-stream"),
                        "hello");
        assertStatus(upload, 204);
        assertJsonError(
                patch(id, op("replace", "/disk_format", "\"qcow2\"")),
                403,
                "Attribute disk_format can be only replaced for a queued image.");
        assertThat(ok(patch(id, op("replace", "/name", "\"still\"")), 200)
                        .get("name")
                        .asText())
                .isEqualTo("still");
    }

    @Test
    void membersOwnersAndOthers() {
        String id = create(
                MEMBER_A, "{\"disk_format\": \"raw\", \"container_format\": \"bare\", \"visibility\": \"private\"}");
        assertJsonError(
                patch(MEMBER_A, id, V21, op("replace", "/visibility", "\"public\"")),
                403,
                "You are not authorized to complete publicize_image action.");
        assertJsonError(
                patch(MEMBER_A, id, V21, op("replace", "/owner", "\"proj-b\"")),
                403,
                DENIED + "Owner can't be updated by non admin.");
        assertThat(ok(patch(MEMBER_A, id, V21, op("replace", "/name", "\"m2\"")), 200)
                        .get("name")
                        .asText())
                .isEqualTo("m2");
        assertThat(ok(patch(MEMBER_A, id, V21, op("replace", "/visibility", "\"community\"")), 200)
                        .get("visibility")
                        .asText())
                .isEqualTo("community");
        assertThat(ok(patch(MEMBER_A, id, V21, op("replace", "/visibility", "\"private\"")), 200)
                        .get("visibility")
                        .asText())
                .isEqualTo("private");
        assertJsonError(patch(MEMBER_B, id, V21, op("replace", "/name", "\"b\"")), 404, "No image found with ID " + id);
        String unknown = "00000000-0000-4000-8000-00000000dead";
        assertJsonError(patch(unknown, op("replace", "/name", "\"x\"")), 404, "No image found with ID " + unknown);

        String shown = create(ADMIN_A, "{\"visibility\": \"public\"}");
        assertJsonError(patch(READER_B, shown, V21, op("replace", "/name", "\"b\"")), 403, "You do not own this image");
    }

    @Test
    void theV20MediaType() {
        String id = create(ADMIN_A, "{\"foo\": \"bar\"}");
        assertThat(ok(patch(ADMIN_A, id, V20, "[{\"replace\": \"/name\", \"value\": \"v20\"}]"), 200)
                        .get("name")
                        .asText())
                .isEqualTo("v20");
        assertThat(ok(patch(ADMIN_A, id, V20, "[{\"add\": \"/new\", \"value\": \"x\"}]"), 200)
                        .get("new")
                        .asText())
                .isEqualTo("x");
        assertJsonError(
                patch(ADMIN_A, id, V20, "[{\"add\": \"/foo\", \"value\": \"y\"}]"),
                409,
                CONFLICT + "Property foo already present.");
        assertThat(ok(patch(ADMIN_A, id, V20, "[{\"remove\": \"/foo\"}]"), 200).has("foo"))
                .isFalse();
        assertJsonError(
                patch(ADMIN_A, id, V20, op("replace", "/name", "\"x\"")),
                400,
                "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".");
    }

    @Test
    void otherMediaTypesGive415WithAcceptPatch() {
        String id = create(ADMIN_A, "{}");
        for (String type : List.of("application/json-patch+json", "application/json")) {
            HttpResponse<String> r = patch(ADMIN_A, id, type, op("replace", "/name", "\"x\""));
            assertJsonError(r, 415, "The request media type " + type + " is not supported by this server.");
            assertThat(r.headers().firstValue("Accept-Patch")).hasValue(V20 + ", " + V21);
        }
        assertJsonError(
                patch(ADMIN_A, id, null, op("replace", "/name", "\"x\"")),
                415,
                "The request media type text/plain is not supported by this server.");
        assertJsonError(
                patch(ADMIN_A, "00000000-0000-4000-8000-00000000dead", "application/json", "[]"),
                415,
                "The request media type application/json is not supported by this server.");
    }

    @Test
    void malformedOperations() {
        String id = create(ADMIN_A, "{}");
        assertJsonError(
                patch(id, "[{\"op\": \"move\", \"from\": \"/name\", \"path\": \"/foo\"}]"),
                400,
                "Invalid operation: `move`. It must be one of the following: add, remove, replace.");
        assertJsonError(
                patch(id, op("test", "/name", "\"v\"")),
                400,
                "Invalid operation: `test`. It must be one of the following: add, remove, replace.");
        assertJsonError(
                patch(id, "[{\"path\": \"/name\", \"value\": \"x\"}]"),
                400,
                "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.");
        assertJsonError(
                patch(id, op("replace", "/name", null)),
                400,
                "Operation \"replace\" requires a member named \"value\".");
        assertJsonError(patch(id, op("replace", "name", "\"x\"")), 400, "Pointer `name` does not start with \"/\".");
        assertJsonError(
                patch(id, op("add", "/foo/bar", "\"x\"")), 400, "Invalid JSON pointer for this resource: '/foo/bar'");
        assertJsonError(
                patch(id, "{\"op\": \"replace\", \"path\": \"/name\", \"value\": \"x\"}"),
                400,
                "Request body must be a JSON array of operation objects.");
        assertJsonError(patch(id, "[{"), 400, "Malformed JSON in request body.");
    }

    @Test
    void plainTextConflictAsUpstreamWritesIt() {
        String id = create(ADMIN_A, "{}");
        HttpResponse<String> r = server.client()
                .send("PATCH", "/v2/images/" + id, with(ADMIN_A, "Content-Type", V21), op("remove", "/foo", null));
        assertPlainError(r, 409, CONFLICT + "Property foo does not exist.");
    }
}
