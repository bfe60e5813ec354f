package dev.loupe.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@link TestNode} run as a real process by the JDK that runs the tests, on the test classpath
 * ({@code target/classes:target/test-classes:target/lib/*}), with an HTTP client for it.
 */
final class NodeProcess implements AutoCloseable {

    static final Map<String, String> ADMIN = dev.loupe.testing.Client.ADMIN_A;
    static final String IMPORT_BODY = """
            {"type": "import", "input": {"import_from": "http://127.0.0.1/engine.raw",
             "import_from_format": "raw", "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path stderr;
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;
    private String baseUrl;

    private NodeProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
    }

    static String java() {
        return ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test"));
    }

    /** Starts a TestNode whose handler sleeps {@code sleepSeconds}; overrides are {@code SECTION.OPTION=VALUE}. */
    static NodeProcess start(Path logDir, Path dataDir, double sleepSeconds, String... overrides) {
        Path target = Path.of("target").toAbsolutePath();
        for (String part : List.of("classes", "test-classes", "lib")) {
            // present whenever failsafe runs (after package); absent only when surefire is told to run an *IT
            Assumptions.assumeTrue(Files.isDirectory(target.resolve(part)),
                    () -> target.resolve(part) + " is missing: this test runs after 'mvn package'");
        }
        String classpath = String.join(File.pathSeparator, target.resolve("classes").toString(),
                target.resolve("test-classes").toString(), target.resolve("lib").resolve("*").toString());
        // C1 only: the node starts about a second sooner, which matters with two starts per test
        List<String> command = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-cp",
                classpath, TestNode.class.getName(), "--data-dir", dataDir.toString(),
                "--sleep", Double.toString(sleepSeconds)));
        for (String override : overrides) {
            command.add("--set");
            command.add(override);
        }
        try {
            Files.createDirectories(logDir);
            Path err = Files.createTempFile(logDir, "testnode-", ".stderr");
            Process process = new ProcessBuilder(command)
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new NodeProcess(process, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the ready line and returns the node's base URL. */
    String awaitReady(Duration timeout) {
        String line = awaitLine(TestNode.READY, timeout);
        baseUrl = "http://" + line.substring(TestNode.READY.length());
        return baseUrl;
    }

    /** The first stdout line that starts with the prefix, waiting up to the timeout for it. */
    String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> line = line(prefix);
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                // one last look: the line may have arrived with the process's end
                sleep(100);
                line = line(prefix);
                if (line.isPresent()) {
                    return line.get();
                }
                throw new AssertionError("no line starting with '" + prefix + "' within " + timeout
                        + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")")
                        + "\nstdout:\n" + String.join("\n", stdout()) + "\nstderr:\n" + stderr());
            }
            sleep(10);
        }
    }

    Optional<String> line(String prefix) {
        synchronized (stdout) {
            return stdout.stream().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * SIGTERM, through the process handle: {@link Process#destroy()} also closes this side's pipes, which would
     * lose what the node prints while it drains.
     */
    void terminate() {
        if (!process.toHandle().destroy()) {
            throw new AssertionError("could not send SIGTERM to " + process.pid());
        }
    }

    /** SIGKILL, and waits for the process to be gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitCode(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running after " + timeout + "\nstderr:\n" + stderr());
            }
            reader.join(Duration.ofSeconds(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        ADMIN.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates an import task as admin of proj-a; returns its id. */
    String createImportTask() {
        HttpResponse<String> created = send("POST", "/v2/tasks", IMPORT_BODY);
        if (created.statusCode() != 201) {
            throw new AssertionError("create answered " + created.statusCode() + ": " + created.body());
        }
        return json(created).get("id").textValue();
    }

    JsonNode show(String id) {
        HttpResponse<String> shown = send("GET", "/v2/tasks/" + id, null);
        if (shown.statusCode() != 200) {
            throw new AssertionError("show answered " + shown.statusCode() + ": " + shown.body());
        }
        return json(shown);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
