package dev.loupe.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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
    private static final HttpClient BOUNDED = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final String baseUrl;
    private final HttpClient http;
    private final boolean bounded;

    /** A client with no timeouts, on the given connections (a server in this JVM closes its own before it stops). */
    Client(String baseUrl, HttpClient http) {
        this(baseUrl, http, false);
    }

    private Client(String baseUrl, HttpClient http, boolean bounded) {
        this.baseUrl = baseUrl;
        this.http = http;
        this.bounded = bounded;
    }

    /** The connections a client for a server in this JVM uses, to be closed when that server stops. */
    static HttpClient connections() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * A client for a Loupe at the given address (typically another process), with a 5 s connect and a 20 s request
     * timeout, so that a stuck server fails the test instead of hanging it.
     */
    public static Client at(String baseUrl) {
        return new Client(baseUrl, BOUNDED, true);
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
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bounded) {
            request.timeout(REQUEST_TIMEOUT);
        }
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates an import task from a well-formed body and returns the created view. */
    public JsonNode createImportTask(Map<String, String> identity) {
        return createImportTask(identity, "http://example.com/image.raw");
    }

    /** Creates an import task from a well-formed body importing from the given URI; returns the created view. */
    public JsonNode createImportTask(Map<String, String> identity, String importFrom) {
        HttpResponse<String> created = post("/v2/tasks", identity, """
                {"type": "import", "input": {"import_from": "%s",
                 "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
                """.formatted(importFrom));
        if (created.statusCode() != 201) {
            throw new AssertionError("create answered " + created.statusCode() + ": " + created.body());
        }
        return json(created);
    }

    /** The task's view; fails unless the show answers 200. */
    public JsonNode show(String id, Map<String, String> identity) {
        HttpResponse<String> shown = get("/v2/tasks/" + id, identity);
        assertThat(shown.statusCode())
                .as("GET /v2/tasks/%s answered %s", id, shown.body())
                .isEqualTo(200);
        return json(shown);
    }

    /** Polls the task until it has the status, failing with the last view seen after the timeout. */
    public JsonNode awaitStatus(String id, Map<String, String> identity, String status, Duration timeout) {
        return awaitView(
                id, identity, timeout, view -> view.get("status").textValue().equals(status), "status " + status);
    }

    /** Polls the task until it has ended (success or failure), failing with the last view seen after the timeout. */
    public JsonNode awaitEnd(String id, Map<String, String> identity, Duration timeout) {
        return awaitView(
                id,
                identity,
                timeout,
                view -> Set.of("success", "failure").contains(view.get("status").textValue()),
                "its end");
    }

    /** Polls the task's view until it matches, failing with the last view seen after the timeout. */
    public JsonNode awaitView(
            String id, Map<String, String> identity, Duration timeout, Predicate<JsonNode> done, String what) {
        return Await.until(timeout, () -> show(id, identity), done, "task " + id + " to reach " + what);
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }
}
