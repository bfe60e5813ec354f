package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.Client;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v2/schemas/image} and {@code /v2/schemas/images}: the documents a packaged Glance 25.1 serves,
 * captured from it (src/test/resources/schemas/make-image-schemas.py), compared value by value and in key order.
 */
class ImageSchemasIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static String reference(String name) {
        try (InputStream in = ImageSchemasIT.class.getResourceAsStream("/schemas/" + name + ".glance-25.1.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every key path in document order, so an order change shows as well as a value change. */
    static List<String> paths(JsonNode node, String at) {
        List<String> paths = new ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(e -> {
                paths.add(at + "/" + e.getKey());
                paths.addAll(paths(e.getValue(), at + "/" + e.getKey()));
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                paths.addAll(paths(node.get(i), at + "[" + i + "]"));
            }
        }
        return paths;
    }

    @Test
    void imageSchemaIsGlances() {
        JsonNode served = ok(server.client().get("/v2/schemas/image", MEMBER_A), 200);
        JsonNode glance = parse(reference("image"));
        assertThat(served).isEqualTo(glance);
        assertThat(paths(served, "")).containsExactlyElementsOf(paths(glance, ""));
    }

    @Test
    void imagesSchemaIsGlances() {
        JsonNode served = ok(server.client().get("/v2/schemas/images", MEMBER_A), 200);
        JsonNode glance = parse(reference("images"));
        assertThat(served).isEqualTo(glance);
        assertThat(paths(served, "")).containsExactlyElementsOf(paths(glance, ""));
    }

    @Test
    void imageSchemaHasWhatClientsReadFromIt() {
        JsonNode schema = ok(server.client().get("/v2/schemas/image", ADMIN_A), 200);
        assertThat(schema.get("name").textValue()).isEqualTo("image");
        assertThat(schema.get("additionalProperties").get("type").textValue()).isEqualTo("string");
        assertThat(schema.get("links")).hasSize(3);
        for (String key : ImageShowIT.BASE_KEYS) {
            assertThat(schema.get("properties").has(key)).as(key).isTrue();
        }
        assertThat(schema.get("properties").get("disk_format").get("enum").toString())
                .isEqualTo("[null,\"ami\",\"ari\",\"aki\",\"vhd\",\"vhdx\",\"vmdk\",\"raw\",\"qcow2\",\"vdi\",\"iso\","
                        + "\"ploop\"]");
        JsonNode images = ok(server.client().get("/v2/schemas/images", ADMIN_A), 200);
        assertThat(images.get("properties").get("images").get("items")).isEqualTo(schema);
    }

    @Test
    void schemasNeedCredentialsButNoRole() {
        assertJsonError(server.client().get("/v2/schemas/image", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
        Client client = server.client();
        assertThat(ok(client.get("/v2/schemas/images", Client.READER_B), 200)).isEqualTo(parse(reference("images")));
    }

    @Test
    void bodyGives400() {
        HttpResponse<String> r = server.client().send("GET", "/v2/schemas/image", asJson(ADMIN_A), "{}");
        assertJsonError(r, 400, "A body is not expected with this request.");
    }

    @Test
    void servedUnderVersionPrefixes() {
        assertThat(ok(server.client().get("/v2.1/schemas/image", ADMIN_A), 200)).isEqualTo(parse(reference("image")));
    }
}
