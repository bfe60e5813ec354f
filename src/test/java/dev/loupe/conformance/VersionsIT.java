package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version discovery (docs/compatibility.md, "Versions and discovery"): {@code /} and unknown prefixes answer 300 and {@code /versions} 200, both
 * with v2.12 (CURRENT) down to v2.0, no credentials needed; prefixes v2 and v2.0-v2.12 serve {@code /v2}.
 * Also the health check.
 */
class VersionsIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    /** The document C6 promises: v2.12 CURRENT, then v2.11 ... v2.0 SUPPORTED, each linking to base/v2/. */
    static JsonNode expected(String base) {
        ObjectNode doc = JSON.createObjectNode();
        ArrayNode versions = doc.putArray("versions");
        for (int minor = 12; minor >= 0; minor--) {
            ObjectNode v = versions.addObject();
            v.put("id", "v2." + minor);
            v.put("status", minor == 12 ? "CURRENT" : "SUPPORTED");
            v.putArray("links").addObject().put("rel", "self").put("href", base + "/v2/");
        }
        return doc;
    }

    private static void assertVersionsDocument(HttpResponse<String> r, int status) {
        JsonNode body = ok(r, status);
        assertThat(body).as(describe(r)).isEqualTo(expected(server.baseUrl()));
    }

    @Test
    void rootGives300WithTheVersionsDocument() {
        assertVersionsDocument(server.client().get("/", ANONYMOUS), 300);
    }

    @Test
    void versionsGives200WithTheSameDocument() {
        assertVersionsDocument(server.client().get("/versions", ANONYMOUS), 200);
    }

    @Test
    void versionsSubpathGives200Too() {
        assertVersionsDocument(server.client().get("/versions/anything", ANONYMOUS), 200);
    }

    @Test
    void versionsNeedNoCredentialsEvenWithJunkIdentity() {
        assertVersionsDocument(server.client().get("/versions", Client.MEMBER_A), 200);
        assertVersionsDocument(server.client().get("/", Client.READER_B), 300);
    }

    @Test
    void unknownVersionPrefixGives300() {
        for (String path : List.of(
                "/v10",
                "/v10/tasks",
                "/v1/tasks",
                "/va.1/images",
                "/v3",
                "/v2.13/tasks",
                "/v2.99/tasks",
                "/foo",
                "/tasks")) {
            assertVersionsDocument(server.client().get(path, ANONYMOUS), 300);
        }
    }

    @Test
    void unknownVersionPrefixGives300EvenWithCredentials() {
        assertVersionsDocument(server.client().get("/v2.13/tasks", ADMIN_A), 300);
        assertVersionsDocument(
                server.client().send("POST", "/v10/tasks", ADMIN_A, importBody("http://example.com/x")), 300);
    }

    @Test
    void everyListedVersionPrefixServesTheTasksApi() {
        for (String prefix : List.of(
                "v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6", "v2.7", "v2.8", "v2.9", "v2.10", "v2.11",
                "v2.12")) {
            JsonNode body = ok(server.client().get("/" + prefix + "/tasks", ADMIN_A), 200);
            assertThat(body.get("first").asText()).as(prefix).isEqualTo("/v2/tasks");
            ok(server.client().get("/" + prefix + "/schemas/task", ADMIN_A), 200);
        }
    }

    @Test
    void versionPrefixesStillNeedCredentials() {
        assertJsonError(server.client().get("/v2.12/tasks", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void mediaTypeVersioningServesV2() {
        HttpResponse<String> r =
                server.client().get("/tasks", with(ADMIN_A, "Accept", "application/vnd.openstack.images-v2.1"));
        JsonNode body = ok(r, 200);
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks");
    }

    @Test
    void mediaTypeWithUnknownVersionGives300() {
        assertVersionsDocument(
                server.client().get("/tasks", with(ANONYMOUS, "Accept", "application/vnd.openstack.images-v10")), 300);
    }

    @Test
    void publicEndpointIsTheBaseOfTheLinks(@TempDir Path other) {
        try (LoupeServer endpoint = LoupeServer.start(other, "DEFAULT.public_endpoint=https://images.example.com")) {
            JsonNode body = ok(endpoint.client().get("/versions", ANONYMOUS), 200);
            assertThat(body).isEqualTo(expected("https://images.example.com"));
        }
    }

    @Test
    void healthcheckAnswersOkWithoutCredentials() {
        HttpResponse<String> r = server.client().get("/healthcheck", ANONYMOUS);
        assertStatus(r, 200);
        assertThat(r.body()).isEqualTo("OK");
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    }
}
