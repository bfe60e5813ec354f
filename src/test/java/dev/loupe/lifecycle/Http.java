package dev.loupe.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A JDK HTTP client for a Loupe running as a separate process (the harness's Client only serves in-JVM servers). */
final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The body of a create whose source is on this machine, so no worker ever fetches from elsewhere. */
    static final String IMPORT_BODY = """
            {"type": "import", "input": {"import_from": "http://127.0.0.1/lifecycle.raw",
             "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
            """;

    private final String baseUrl;

    Http(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    HttpResponse<String> send(String method, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path, Map<String, String> headers) {
        return send("GET", path, headers, null);
    }

    JsonNode createImportTask(Map<String, String> identity) {
        HttpResponse<String> created = send("POST", "/v2/tasks", identity, IMPORT_BODY);
        if (created.statusCode() != 201) {
            throw new AssertionError("create answered " + created.statusCode() + ": " + created.body());
        }
        return json(created);
    }

    /**
     * Waits until none of the tasks is pending or processing any more, or until {@code max} has passed (a server
     * without workers leaves them pending for ever). Tests that change a task behind the server's back do so only
     * once no worker can still be writing to it.
     */
    void awaitSettled(Map<String, String> admin, Duration max, String... ids) {
        long deadline = System.nanoTime() + max.toNanos();
        java.util.Set<String> open = new java.util.HashSet<>(java.util.List.of(ids));
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            open.removeIf(id -> {
                String status = json(get("/v2/tasks/" + id, admin)).path("status").asText();
                return status.equals("success") || status.equals("failure");
            });
            if (!open.isEmpty()) {
                LoupeProcess.sleep(50);
            }
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }
}
