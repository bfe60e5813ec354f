package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Error bodies (C3): JSON {@code {"message","code","title"}} when the client prefers JSON, otherwise text/plain
 * {@code "<code> <title>\n\n<explanation>\n"}; never HTML, never {@code <br />}; always a Content-Type; request ids
 * on every response and 431 for long ones (C5); 413 and 415 (C4).
 */
class ErrorBodyIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static String id;

    @BeforeAll
    static void start() {
        id = server.client().createImportTask(ADMIN_A).get("id").asText();
    }

    private static HttpResponse<String> badLimit(String accept) {
        return server.client().get("/v2/tasks?limit=-1", accept == null ? ADMIN_A : with(ADMIN_A, "Accept", accept));
    }

    @Test
    void acceptJsonGivesJsonErrorWithBareMessage() {
        HttpResponse<String> r = badLimit("application/json");
        assertJsonError(r, 400, "limit param must be positive");
        JsonNode body = parse(r.body());
        assertThat(body.get("code").asText()).isEqualTo("400 Bad Request");
        assertThat(body.get("title").asText()).isEqualTo("Bad Request");
    }

    @Test
    void noAcceptGivesPlainText() {
        assertPlainError(badLimit(null), 400, "limit param must be positive");
    }

    @Test
    void acceptTextPlainGivesPlainText() {
        assertPlainError(badLimit("text/plain"), 400, "limit param must be positive");
    }

    @Test
    void acceptAnythingGivesPlainTextNotHtml() {
        assertPlainError(badLimit("*/*"), 400, "limit param must be positive");
    }

    @Test
    void acceptHtmlStillGetsNoHtml() {
        assertPlainError(badLimit("text/html"), 400, "limit param must be positive");
    }

    @Test
    void acceptPreferringJsonByQualityGivesJson() {
        assertJsonError(badLimit("text/plain;q=0.1, application/json"), 400, "limit param must be positive");
    }

    @Test
    void acceptPreferringTextByQualityGivesPlainText() {
        assertPlainError(badLimit("application/json;q=0.5, text/plain"), 400, "limit param must be positive");
    }

    @Test
    void notFoundAsJson() {
        assertJsonError(
                server.client().get("/v2/tasks/00000000-0000-0000-0000-000000000000", asJson(ADMIN_A)),
                404,
                "Could not find task 00000000-0000-0000-0000-000000000000");
    }

    @Test
    void notFoundAsPlainText() {
        assertPlainError(
                server.client().get("/v2/tasks/00000000-0000-0000-0000-000000000000", ADMIN_A),
                404,
                "Could not find task 00000000-0000-0000-0000-000000000000");
    }

    @Test
    void forbiddenAsJson() {
        assertJsonError(server.client().get("/v2/tasks", asJson(MEMBER_A)), 403, FORBIDDEN);
    }

    @Test
    void forbiddenAsPlainText() {
        assertPlainError(server.client().get("/v2/tasks", MEMBER_A), 403, FORBIDDEN);
    }

    @Test
    void unauthorizedAsJson() {
        assertJsonError(server.client().get("/v2/tasks", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void methodNotAllowedAsJson() {
        assertJsonError(
                server.client().send("PUT", "/v2/tasks/" + id, asJson(ADMIN_A), "{}"),
                405,
                "The method PUT is not allowed for this resource.");
        assertJsonError(server.client().send("DELETE", "/v2/tasks/" + id, asJson(ADMIN_A), null), 405, DELETE_REFUSED);
    }

    @Test
    void methodNotAllowedAsPlainText() {
        assertPlainError(
                server.client().send("PUT", "/v2/tasks/" + id, ADMIN_A, "{}"),
                405,
                "The method PUT is not allowed for this resource.");
    }

    @Test
    void schemaErrorAsJsonHasNoBreakTags() {
        String message = jsonError(
                server.client().post("/v2/tasks", asJson(ADMIN_A), "{\"type\": \"export\", \"input\": {}}"), 400);
        assertThat(firstLine(message)).isEqualTo(SCHEMA + "'export' is not one of " + TYPES);
    }

    @Test
    void schemaErrorAsPlainTextKeepsTheWholeMessage() {
        HttpResponse<String> r = server.client().post("/v2/tasks", ADMIN_A, "{\"type\": \"export\", \"input\": {}}");
        String message = jsonError(
                server.client().post("/v2/tasks", asJson(ADMIN_A), "{\"type\": \"export\", \"input\": {}}"), 400);
        assertPlainError(r, 400, message);
    }

    @Test
    void headErrorHasAnEmptyBody() {
        HttpResponse<String> r = server.client().send("HEAD", "/v2/tasks/" + id, asJson(ADMIN_A), null);
        assertStatus(r, 405);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void everyErrorHasAContentTypeAndARequestId() {
        List<HttpResponse<String>> answers = List.of(
                badLimit(null),
                server.client().get("/v2/tasks", ANONYMOUS),
                server.client().get("/v2/tasks", MEMBER_A),
                server.client().get("/v2/tasks/nope", ADMIN_A),
                server.client().send("PUT", "/v2/tasks", ADMIN_A, "{}"),
                server.client().get("/v2/nope", ADMIN_A),
                server.client().post("/v2/tasks", with(ADMIN_A, "Content-Type", "text/plain"), "{}"),
                server.client().post("/v2/tasks", ADMIN_A, "x".repeat(70_000)),
                server.client().get("/v2/tasks", with(ADMIN_A, "X-Openstack-Request-Id", "x".repeat(65))));
        for (HttpResponse<String> r : answers) {
            assertRequestIdHeader(r);
            assertThat(r.headers().firstValue("Content-Type")).as(describe(r)).isPresent();
            assertThat(r.headers().firstValue("Content-Type").orElseThrow())
                    .as(describe(r))
                    .doesNotContain("html");
        }
    }

    @Test
    void everySuccessHasARequestId() {
        for (HttpResponse<String> r : List.of(
                server.client().get("/", ANONYMOUS),
                server.client().get("/versions", ANONYMOUS),
                server.client().get("/healthcheck", ANONYMOUS),
                server.client().get("/v2/schemas/task", ADMIN_A),
                server.client().get("/v2/tasks", ADMIN_A),
                server.client().get("/v2/tasks/" + id, ADMIN_A),
                server.client().get("/v10", ANONYMOUS))) {
            assertRequestIdHeader(r);
        }
    }

    @Test
    void requestIdOver64CharactersGives431() {
        HttpResponse<String> r = server.client()
                .get("/v2/tasks", with(asJson(ADMIN_A), "X-Openstack-Request-Id", "req-" + "x".repeat(61)));
        assertThat(jsonError(r, 431)).isEqualTo("x-openstack-request-id is too long, max size 64");
    }

    @Test
    void requestIdOver64CharactersGives431AsPlainText() {
        HttpResponse<String> r =
                server.client().get("/v2/tasks", with(ADMIN_A, "X-Openstack-Request-Id", "y".repeat(65)));
        assertStatus(r, 431);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(r.body()).startsWith("431 ").endsWith("\n\nx-openstack-request-id is too long, max size 64\n");
    }

    @Test
    void requestIdOverTheLimitIsNotEchoed() {
        for (String given : List.of("r".repeat(300), "req-" + "x".repeat(61))) {
            HttpResponse<String> r = server.client().get("/v2/tasks", with(ADMIN_A, "X-Openstack-Request-Id", given));
            assertStatus(r, 431);
            // A new id instead: the answer still has one (C22), but never the one over the limit.
            assertThat(r.headers().firstValue("x-openstack-request-id").orElseThrow())
                    .as(describe(r))
                    .matches("req-" + UUID)
                    .doesNotContain(given);
        }
    }

    @Test
    void requestIdOf64CharactersIsFine() {
        ok(server.client().get("/v2/tasks", with(ADMIN_A, "X-Openstack-Request-Id", "req-" + "x".repeat(60))), 200);
    }

    @Test
    void bodyTooLargeGives413AsJson() {
        assertThat(jsonError(
                        server.client().post("/v2/tasks", asJson(ADMIN_A), "{\"p\": \"" + "x".repeat(70_000) + "\"}"),
                        413))
                .isNotBlank();
    }

    @Test
    void unsupportedMediaTypeGives415AsJson() {
        HttpResponse<String> r = server.client()
                .post(
                        "/v2/tasks",
                        with(asJson(ADMIN_A), "Content-Type", "text/plain"),
                        importBody("http://example.com/x"));
        assertThat(jsonError(r, 415)).isNotBlank();
    }

    @Test
    void errorBodiesAreUtf8() {
        Map<String, String> h = asJson(ADMIN_A);
        String weird = "caf%C3%A9";
        HttpResponse<String> r = server.client().get("/v2/tasks?status=" + weird, h);
        assertJsonError(r, 400, "Invalid status value: caf\u00e9");
    }
}
