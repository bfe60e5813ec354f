package dev.loupe.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the conformance suites share: upstream's messages, header helpers and the assertions on the wire format. */
final class Wire {

    static final ObjectMapper JSON = new ObjectMapper();

    static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    static final String ISOTIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z";

    static final String FORBIDDEN = "You are not authorized to complete tasks_api_access action.";
    /** webob's 401 text, Glance's answer without {@code X-Identity-Status: Confirmed}. */
    static final String GLANCE_UNAUTHORIZED = "This server could not verify that you are authorized to access the"
            + " document you requested. Either you supplied the wrong credentials (e.g., bad password), or your"
            + " browser does not understand how to supply the credentials required.";
    /** Loupe's 401 without {@code X-Identity-Status}: upstream's text, then which header is missing. */
    static final String UNAUTHORIZED = GLANCE_UNAUTHORIZED + "\n\nMissing header X-Identity-Status: Confirmed.";

    static final String NOT_FOUND = "The resource could not be found.";
    static final String DELETE_REFUSED = "This operation is currently not permitted on Glance Tasks. They are auto"
            + " deleted after reaching the time based on their expires_at property.";
    static final String NOT_VALID_URI = "The given uri is not valid. Please specify a valid uri from the following"
            + " list of supported uri ['http']";
    static final String FILE_BASED =
            "File based imports are not allowed. Please use a non-local source of image" + " data.";
    static final String FILTERING = "URI for legacy import task does not pass filtering: ";
    static final String SCHEMA = "Provided object does not match schema 'task': ";
    static final String TYPES = "['import', 'api_image_import', 'location_import']";

    static final Set<String> FULL_KEYS = Set.of(
            "created_at",
            "id",
            "input",
            "message",
            "owner",
            "schema",
            "self",
            "status",
            "type",
            "result",
            "updated_at",
            "request_id",
            "user_id");
    static final Set<String> STUB_KEYS =
            Set.of("id", "type", "status", "owner", "created_at", "updated_at", "self", "schema");

    private static final HttpClient RAW =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Wire() {}

    /** An import body that passes every create-time check under the default filter. */
    static String importBody(String importFrom) {
        return "{\"type\": \"import\", \"input\": {\"import_from\": " + quote(importFrom)
                + ", \"import_from_format\": \"raw\", \"image_properties\": {\"disk_format\": \"raw\","
                + " \"container_format\": \"bare\"}}}";
    }

    static String quote(String text) {
        return JSON.getNodeFactory().textNode(text).toString();
    }

    /** The identity headers plus {@code Accept: application/json}, so error messages can be compared exactly. */
    static Map<String, String> asJson(Map<String, String> identity) {
        return with(identity, "Accept", "application/json");
    }

    static Map<String, String> with(Map<String, String> base, String... keyValues) {
        Map<String, String> all = new LinkedHashMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            all.put(keyValues[i], keyValues[i + 1]);
        }
        return all;
    }

    static String describe(HttpResponse<String> r) {
        return r.request().method() + " " + r.uri() + " answered " + r.statusCode() + " "
                + r.headers().map() + " " + r.body();
    }

    static void assertRequestIdHeader(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("x-openstack-request-id"))
                .as("x-openstack-request-id of %s", describe(r))
                .hasValueSatisfying(id -> assertThat(id).startsWith("req-"));
    }

    static void assertStatus(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(describe(r)).isEqualTo(status);
        assertRequestIdHeader(r);
    }

    /** A success: the status, {@code Content-Type: application/json} exactly, a request id; the parsed body. */
    static JsonNode ok(HttpResponse<String> r, int status) {
        assertStatus(r, status);
        assertThat(r.headers().firstValue("Content-Type")).as(describe(r)).hasValue("application/json");
        return parse(r.body());
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            default -> null;
        };
    }

    /**
     * A JSON error answer (the request asked for JSON): status, request id, exactly the keys message/code/title,
     * code = "status title"; returns the message.
     */
    static String jsonError(HttpResponse<String> r, int status) {
        assertStatus(r, status);
        assertThat(r.headers().firstValue("Content-Type"))
                .as(describe(r))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode body = parse(r.body());
        assertThat(keys(body)).as(describe(r)).containsExactlyInAnyOrder("message", "code", "title");
        String title = body.get("title").asText();
        if (title(status) != null) {
            assertThat(title).as(describe(r)).isEqualTo(title(status));
        } else {
            assertThat(title).as(describe(r)).isNotBlank();
        }
        assertThat(body.get("code").asText()).as(describe(r)).isEqualTo(status + " " + title);
        String message = body.get("message").asText();
        assertThat(message).as(describe(r)).doesNotContain("<br").doesNotContain("<html");
        return message;
    }

    static void assertJsonError(HttpResponse<String> r, int status, String message) {
        assertThat(jsonError(r, status)).as(describe(r)).isEqualTo(message);
    }

    /** Upstream's 405 for {@code method}: its message (no body for HEAD) and the {@code Allow} header. */
    static void assertMethodNotAllowed(HttpResponse<String> r, String method, String allow) {
        if (method.equals("HEAD")) {
            assertStatus(r, 405);
            assertThat(r.body()).as(describe(r)).isEmpty();
        } else {
            assertJsonError(r, 405, "The method " + method + " is not allowed for this resource.");
        }
        assertThat(r.headers().firstValue("Allow")).as(describe(r)).hasValue(allow);
    }

    /** The plain-text error form of C3: {@code "<code> <title>\n\n<explanation>\n"}. */
    static void assertPlainError(HttpResponse<String> r, int status, String message) {
        assertStatus(r, status);
        assertThat(r.headers().firstValue("Content-Type"))
                .as(describe(r))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        assertThat(r.body()).as(describe(r)).isEqualTo(status + " " + title(status) + "\n\n" + message + "\n");
    }

    static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static Set<String> keys(JsonNode node) {
        Set<String> keys = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.get("tasks").forEach(t -> ids.add(t.get("id").asText()));
        return ids;
    }

    static ObjectNode object(String json) {
        return (ObjectNode) parse(json);
    }

    /** Any request with a body publisher of our choosing (raw bytes, unknown length). */
    static HttpResponse<String> raw(
            String baseUrl, String method, String path, Map<String, String> headers, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).method(method, body);
        headers.forEach(request::header);
        try {
            return RAW.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A policy file in the folder, for {@code oslo_policy.policy_file}; returns the override. */
    static String policy(Path dir, String yaml) {
        Path file = dir.resolve("policy-" + System.nanoTime() + ".yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "oslo_policy.policy_file=" + file.toAbsolutePath();
    }
}
