package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;

import dev.loupe.testing.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The methods Loupe does not answer on the image paths: 405 with an Allow header listing what it does answer, as
 * upstream's (docs/upstream/glance-25.1-images-write.md §4-§6), 404 for paths no route takes.
 */
class ImageMethodsIT {

    static final String ID = "00000000-0000-0000-0000-000000000000";

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    private static void assertRejected(String method, String path, String allow) {
        HttpResponse<String> r = server.client()
                .send(method, path, asJson(ADMIN_A), method.equals("HEAD") || method.equals("DELETE") ? null : "{}");
        assertMethodNotAllowed(r, method, allow);
    }

    @Test
    void collectionAnswersGetAndPost() {
        for (String method : List.of("PUT", "DELETE", "PATCH", "HEAD", "FOO")) {
            assertRejected(method, "/v2/images", "GET, POST");
        }
    }

    @Test
    void imageAnswersGetDeleteAndPatch() {
        for (String method : List.of("PUT", "POST", "HEAD", "FOO")) {
            assertRejected(method, "/v2/images/" + ID, "GET, DELETE, PATCH");
        }
    }

    @Test
    void fileAnswersGetAndPut() {
        for (String method : List.of("POST", "DELETE", "PATCH", "HEAD")) {
            assertRejected(method, "/v2/images/" + ID + "/file", "GET, PUT");
        }
    }

    @Test
    void tagAnswersPutAndDelete() {
        for (String method : List.of("GET", "POST", "PATCH", "HEAD")) {
            assertRejected(method, "/v2/images/" + ID + "/tags/red", "PUT, DELETE");
        }
    }

    @Test
    void actionsAnswerPostOnly() {
        for (String action : List.of("deactivate", "reactivate")) {
            for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "HEAD")) {
                assertRejected(method, "/v2/images/" + ID + "/actions/" + action, "POST");
            }
        }
        assertJsonError(
                server.client().post("/v2/images/" + ID + "/actions/explode", asJson(ADMIN_A), null), 404, NOT_FOUND);
    }

    @Test
    void schemasAnswerGetOnly() {
        for (String path : List.of("/v2/schemas/image", "/v2/schemas/images")) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD", "FOO")) {
                assertRejected(method, path, "GET");
            }
        }
    }

    @Test
    void methodRejectionsComeBeforePolicyButAfterAuthentication() {
        assertJsonError(
                server.client().send("PUT", "/v2/images/" + ID, asJson(MEMBER_A), "[]"),
                405,
                "The method PUT is not allowed for this resource.");
        assertJsonError(
                server.client().send("POST", "/v2/images/" + ID + "/file", asJson(ANONYMOUS), "x"), 401, UNAUTHORIZED);
    }

    @Test
    void methodRejectionsWorkUnderVersionPrefixes() {
        assertRejected("PUT", "/v2.9/images", "GET, POST");
        assertRejected("POST", "/v2.0/images/" + ID, "GET, DELETE, PATCH");
    }

    @Test
    void interoperableImportRoutesAnswerTheirOwnMethodOnly() {
        for (String method : List.of("GET", "DELETE", "PATCH")) {
            assertRejected(method, "/v2/images/" + ID + "/import", "POST");
            assertRejected(method, "/v2/images/" + ID + "/stage", "PUT");
        }
        for (String method : List.of("PUT", "POST", "DELETE")) {
            assertRejected(method, "/v2/info/import", "GET");
        }
    }

    @Test
    void pathsNoRouteTakesGive404() {
        for (String path : List.of(
                "/v2/images/",
                "/v2/images/" + ID + "/",
                "/v2/images/" + ID + "/members",
                "/v2/images/" + ID + "/tags",
                "/v2/images/" + ID + "/actions/explode",
                "/v2/images/" + ID + "/file/x",
                "/v2/schemas/image/",
                "/v2/schemas/member")) {
            assertJsonError(server.client().get(path, asJson(ADMIN_A)), 404, NOT_FOUND);
        }
    }
}
