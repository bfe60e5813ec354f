package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DELETE and the other methods Glance refuses on the tasks routes, and paths no route takes. */
class MethodsAndPathsIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static String id;

    @BeforeAll
    static void start() {
        id = server.client().createImportTask(ADMIN_A).get("id").asText();
    }

    private static HttpResponse<String> send(String method, String path) {
        return server.client()
                .send(method, path, asJson(ADMIN_A), method.equals("HEAD") || method.equals("DELETE") ? null : "{}");
    }

    private static void assertRejected(String method, String path, String allow) {
        HttpResponse<String> r = send(method, path);
        assertMethodNotAllowed(r, method, allow);
    }

    // ---- DELETE /v2/tasks/{id} ------------------------------------------------------------------------------------

    @Test
    void deleteTaskGives405AllowGetWithUpstreamsMessage() {
        HttpResponse<String> r = server.client().send("DELETE", "/v2/tasks/" + id, asJson(ADMIN_A), null);
        assertJsonError(r, 405, DELETE_REFUSED);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void deleteTaskPlainTextBodyIsTheExplanation() {
        HttpResponse<String> r = server.client().send("DELETE", "/v2/tasks/" + id, ADMIN_A, null);
        assertPlainError(r, 405, DELETE_REFUSED);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void deleteUnknownTaskGives405Too() {
        HttpResponse<String> r =
                server.client().send("DELETE", "/v2/tasks/00000000-0000-0000-0000-000000000000", asJson(ADMIN_A), null);
        assertJsonError(r, 405, DELETE_REFUSED);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        assertJsonError(
                server.client().send("DELETE", "/v2/tasks/not-a-uuid", asJson(ADMIN_A), null), 405, DELETE_REFUSED);
    }

    @Test
    void deleteAsMemberGives403() {
        assertJsonError(server.client().send("DELETE", "/v2/tasks/" + id, asJson(MEMBER_A), null), 403, FORBIDDEN);
    }

    @Test
    void deleteWithoutCredentialsGives401() {
        assertJsonError(server.client().send("DELETE", "/v2/tasks/" + id, asJson(ANONYMOUS), null), 401, UNAUTHORIZED);
    }

    @Test
    void deleteDoesNotDelete() {
        server.client().send("DELETE", "/v2/tasks/" + id, ADMIN_A, null);
        assertThat(ok(server.client().get("/v2/tasks/" + id, ADMIN_A), 200)
                        .get("id")
                        .asText())
                .isEqualTo(id);
        assertThat(ids(ok(server.client().get("/v2/tasks", ADMIN_A), 200))).contains(id);
    }

    // ---- other methods -------------------------------------------------------------------------------------------

    @Test
    void otherMethodsOnATaskGive405AllowGetDelete() {
        for (String method : List.of("PUT", "PATCH", "POST", "HEAD")) {
            assertRejected(method, "/v2/tasks/" + id, "GET, DELETE");
        }
    }

    @Test
    void otherMethodsOnAnUnknownTaskGive405Too() {
        for (String method : List.of("PUT", "PATCH", "POST", "HEAD")) {
            assertRejected(method, "/v2/tasks/00000000-0000-0000-0000-000000000000", "GET, DELETE");
        }
    }

    @Test
    void unknownMethodOnATaskGives405AllowGetDelete() {
        assertRejected("FOO", "/v2/tasks/" + id, "GET, DELETE");
    }

    @Test
    void otherMethodsOnTheCollectionGive405AllowGetPost() {
        for (String method : List.of("PUT", "DELETE", "PATCH", "HEAD")) {
            assertRejected(method, "/v2/tasks", "GET, POST");
        }
    }

    @Test
    void unknownMethodOnTheCollectionGives405AllowGetPost() {
        assertRejected("FOO", "/v2/tasks", "GET, POST");
    }

    @Test
    void nonGetOnTheSchemasGives405AllowGet() {
        for (String path : List.of("/v2/schemas/task", "/v2/schemas/tasks")) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD", "FOO")) {
                assertRejected(method, path, "GET");
            }
        }
    }

    @Test
    void methodRejectionsAreNotPolicyChecked() {
        HttpResponse<String> r = server.client().send("PUT", "/v2/tasks/" + id, asJson(MEMBER_A), "{}");
        assertJsonError(r, 405, "The method PUT is not allowed for this resource.");
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, DELETE");
        assertJsonError(
                server.client().send("PATCH", "/v2/tasks", asJson(MEMBER_A), "{}"),
                405,
                "The method PATCH is not allowed for this resource.");
    }

    @Test
    void putWithoutCredentialsGives401() {
        assertJsonError(server.client().send("PUT", "/v2/tasks/" + id, asJson(ANONYMOUS), null), 401, UNAUTHORIZED);
    }

    @Test
    void methodRejectionsWorkUnderVersionPrefixes() {
        assertRejected("PUT", "/v2.5/tasks/" + id, "GET, DELETE");
        assertRejected("PUT", "/v2.0/tasks", "GET, POST");
    }

    // ---- paths no route takes ------------------------------------------------------------------------------------

    @Test
    void trailingSlashOnTheCollectionGives404() {
        assertJsonError(server.client().get("/v2/tasks/", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    @Test
    void pathBelowATaskGives404() {
        assertJsonError(server.client().get("/v2/tasks/" + id + "/foo", asJson(ADMIN_A)), 404, NOT_FOUND);
        assertJsonError(server.client().get("/v2/tasks/x/y", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    @Test
    void v2IndexGives404() {
        assertJsonError(server.client().get("/v2/", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    @Test
    void unknownPathsUnderAVersionGive404() {
        assertJsonError(server.client().get("/v2/foo", asJson(ADMIN_A)), 404, NOT_FOUND);
        assertJsonError(server.client().get("/v2/schemas/task/", asJson(ADMIN_A)), 404, NOT_FOUND);
        assertJsonError(server.client().get("/v2/schemas/foo", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    /**
     * Upstream's router redirects the empty path under {@code /v2} to {@code /v2/} for any method (routes'
     * {@code mapper.redirect("", "/")} in glance.common.wsgi.Router), after the context middleware has admitted
     * the caller: 302, an absolute Location, {@code text/plain} and no body.
     */
    @Test
    void v2WithoutSlashRedirectsToV2Slash() {
        for (String method : List.of("GET", "POST", "PUT", "DELETE", "HEAD")) {
            HttpResponse<String> r = server.client()
                    .send(method, "/v2", ADMIN_A, method.equals("POST") || method.equals("PUT") ? "{}" : null);
            assertRedirectToV2Slash(r);
        }
        assertRedirectToV2Slash(server.client().get("/v2", asJson(MEMBER_A)));
        assertRedirectToV2Slash(server.client().get("/v2.1", asJson(ADMIN_A)));
    }

    private static void assertRedirectToV2Slash(HttpResponse<String> r) {
        assertStatus(r, 302);
        assertThat(r.headers().firstValue("Location")).as(describe(r)).hasValue(server.baseUrl() + "/v2/");
        assertThat(r.headers().firstValue("Content-Type"))
                .as(describe(r))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        assertThat(r.body()).as(describe(r)).isEmpty();
    }

    @Test
    void v2WithoutCredentialsGives401() {
        assertJsonError(server.client().get("/v2", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }
}
