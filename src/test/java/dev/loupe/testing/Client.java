package dev.loupe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plain HTTP client for tests, with the identity headers an authenticating proxy would set. Each call returns
 * the raw response; {@link #json} parses a body.
 */
public final class Client {

    /** Identities used throughout the suites, as in the upstream transcripts. */
    public static final Map<String, String> ADMIN_A = identity("admin-a", "proj-a", "admin");
    public static final Map<String, String> MEMBER_A = identity("member-a", "proj-a", "member");
    public static final Map<String, String> ADMIN_B = identity("admin-b", "proj-b", "admin");
    public static final Map<String, String> READER_B = identity("reader-b", "proj-b", "reader");
    public static final Map<String, String> ANONYMOUS = Map.of();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final String baseUrl;

    Client(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public static Map<String, String> identity(String user, String project, String roles) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Identity-Status", "Confirmed");
        headers.put("X-User-Id", user);
        headers.put("X-Project-Id", project);
        headers.put("X-Roles", roles);
        return Map.copyOf(headers);
    }

    public HttpResponse<String> get(String path, Map<String, String> headers) {
        return send("GET", path, headers, null);
    }

    public HttpResponse<String> post(String path, Map<String, String> headers, String body) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putIfAbsent("Content-Type", "application/json");
        return send("POST", path, all, body);
    }

    /** Any method, any headers; a null body sends none. */
    public HttpResponse<String> send(String method, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates an import task as admin of proj-a from a well-formed body and returns the created view. */
    public JsonNode createImportTask(Map<String, String> identity) {
        HttpResponse<String> created = post("/v2/tasks", identity, """
                {"type": "import", "input": {"import_from": "http://example.com/image.raw",
                 "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
                """);
        if (created.statusCode() != 201) {
            throw new AssertionError("create answered " + created.statusCode() + ": " + created.body());
        }
        return json(created);
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }
}
