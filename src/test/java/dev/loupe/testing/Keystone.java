package dev.loupe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A real, throwaway Keystone (Debian's {@code keystone} package, Identity API v3) on a free loopback port, for suites
 * that check Loupe against real tokens. Everything it keeps is in one folder: {@code keystone.conf}, a sqlite
 * database, the fernet and credential keys, and the logs ({@code setup.log}, {@code keystone.log},
 * {@code uwsgi.log}, {@code serve.log}; {@link #logs()} gives their ends).
 *
 * <p>{@link #start} prepares the folder with keystone-manage ({@code fernet_setup}, {@code credential_setup},
 * {@code db_sync}, {@code bootstrap} with identity endpoints at the chosen port, region {@value #REGION}; all four in
 * one python interpreter, see {@code keystone/setup.py}), serves {@code keystone-wsgi-public} with the packaged
 * uwsgi (one process with threads, so one in-memory cache; it starts loading once the keys exist, alongside db_sync
 * and bootstrap), waits for {@code GET /v3} to answer 200, then seeds through Keystone's own API:
 * <ul>
 *   <li>projects {@value #PROJECT_A}, {@value #PROJECT_B} and {@value #SERVICE_PROJECT} (domain {@code default});
 *   <li>the roles bootstrap makes ({@code admin}, which implies {@code member}, which implies {@code reader}) and
 *       {@code service};
 *   <li>the users of the constants below: {@link #ADMIN_A} (admin on proj-a), {@link #MEMBER_A}, {@link #READER_A},
 *       {@link #MEMBER_B}, and {@link #SERVICE} ({@code loupe}, with {@code service} and {@code admin} on project
 *       {@code service}, the way services' keystonemiddleware users are set up); {@link #CLOUD_ADMIN} is
 *       bootstrap's {@code admin} on project {@code admin}.
 * </ul>
 * {@link #close} ends the server's whole process group; the server also ends by itself when the JVM goes away.
 * A start takes 6 to 20 seconds on this machine, depending on its load: start one per test class
 * ({@code @BeforeAll}, in a {@code @TempDir}) and close it in {@code @AfterAll}.
 */
public final class Keystone implements AutoCloseable {

    /** A user of the seeded Keystone, with the project its tokens are scoped to by {@link #token(User)}. */
    public record User(String name, String password, String project) {}

    public static final String REGION = "RegionOne";
    public static final String DOMAIN = "default";
    public static final String PROJECT_A = "proj-a";
    public static final String PROJECT_B = "proj-b";
    public static final String SERVICE_PROJECT = "service";

    /** Bootstrap's user: admin on project {@code admin}. */
    public static final User CLOUD_ADMIN = new User("admin", "admin-secret", "admin");

    public static final User ADMIN_A = new User("admin-a", "admin-a-secret", PROJECT_A);
    public static final User MEMBER_A = new User("member-a", "member-a-secret", PROJECT_A);
    public static final User READER_A = new User("reader-a", "reader-a-secret", PROJECT_A);
    public static final User MEMBER_B = new User("member-b", "member-b-secret", PROJECT_B);
    /** Loupe's service user, whose token validates others' tokens: roles service and admin on project service. */
    public static final User SERVICE = new User("loupe", "loupe-secret", SERVICE_PROJECT);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration SETUP_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int STOP_TIMEOUT_SECONDS = 15;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(STOP_TIMEOUT_SECONDS);

    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final Map<String, String> projectIds = new LinkedHashMap<>();
    private final Map<String, String> userIds = new LinkedHashMap<>();
    private final Map<String, String> roleIds = new LinkedHashMap<>();
    private Process server;
    private Duration startup;

    private Keystone(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts a fresh Keystone whose files go to {@code dir} (created if missing; give each Keystone its own, e.g. a
     * {@code @TempDir}), installing the Debian package first if needed (as root; otherwise fails saying so). Fails
     * with Keystone's logs if it does not come up.
     */
    public static Keystone start(Path dir) {
        DebianPackages.require(
                "keystone",
                "/bin/sh",
                "-c",
                "[ \"$(dpkg-query -W -f='${db:Status-Status}' keystone 2>/dev/null)\" = installed ]");
        Keystone keystone = new Keystone(dir.toAbsolutePath(), LoupeProcess.freePort());
        try {
            keystone.run();
            return keystone;
        } catch (RuntimeException | Error e) {
            keystone.close();
            throw e;
        }
    }

    private void run() {
        long started = System.nanoTime();
        try {
            Files.createDirectories(dir);
            for (String file : List.of("setup.py", "serve.sh")) {
                Files.writeString(dir.resolve(file), resource(file));
            }
            Files.writeString(
                    dir.resolve("keystone.conf"), resource("keystone.conf").replace("@DIR@", dir.toString()));
            Files.writeString(
                    dir.resolve("uwsgi.ini"),
                    resource("uwsgi.ini").replace("@DIR@", dir.toString()).replace("@PORT@", Integer.toString(port)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process setup = startSetup();
        try {
            awaitKeys(setup);
            long keys = System.nanoTime();
            serve(); // loads Keystone while setup.py runs db_sync and bootstrap
            awaitEnd(setup);
            long setUp = System.nanoTime();
            awaitReady();
            long ready = System.nanoTime();
            seed();
            long seeded = System.nanoTime();
            startup = Duration.ofNanos(seeded - started);
            System.out.printf(
                    "Keystone at %s in %d ms: keystone-manage %d ms (keys after %d ms), uwsgi answered"
                            + " GET /v3 %d ms after that, seeding %d ms (folder %s)%n",
                    url(),
                    millis(seeded - started),
                    millis(setUp - started),
                    millis(keys - started),
                    millis(ready - setUp),
                    millis(seeded - ready),
                    dir);
        } finally {
            setup.destroyForcibly();
        }
    }

    /** Starts {@code setup.py}: keystone-manage's fernet_setup, credential_setup, db_sync and bootstrap. */
    private Process startSetup() {
        try {
            return new ProcessBuilder(
                            PYTHON,
                            dir.resolve("setup.py").toString(),
                            dir.resolve("keystone.conf").toString(),
                            authUrl(),
                            CLOUD_ADMIN.password(),
                            REGION)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("setup.log").toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for setup.py to say that the fernet and credential keys exist. */
    private void awaitKeys(Process setup) {
        Path log = dir.resolve("setup.log");
        try {
            Await.until(
                    SETUP_TIMEOUT,
                    () -> {
                        try {
                            if (Files.readAllLines(log, StandardCharsets.UTF_8).contains("keys ready")) {
                                return true;
                            }
                        } catch (IOException | UncheckedIOException e) {
                            // not written yet, or not as text yet
                        }
                        if (!setup.isAlive()) {
                            throw failure(
                                    "keystone-manage (setup.py) exited with " + setup.exitValue() + " before its keys");
                        }
                        return false;
                    },
                    "the keys of keystone-manage (setup.py)");
        } catch (Await.TimedOut e) {
            throw failure("keystone-manage (setup.py) made no keys within " + SETUP_TIMEOUT);
        }
    }

    private void awaitEnd(Process setup) {
        try {
            if (!setup.waitFor(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw failure("keystone-manage (setup.py) did not end within " + SETUP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (setup.exitValue() != 0) {
            throw failure("keystone-manage (setup.py) exited with " + setup.exitValue());
        }
    }

    /**
     * Starts {@code serve.sh} (uwsgi and a watchdog) as the leader of a new process group; its standard input stays
     * a pipe from this JVM, whose closing ends the group.
     */
    private void serve() {
        try {
            server = new ProcessBuilder(
                            "setsid",
                            "/bin/sh",
                            dir.resolve("serve.sh").toString(),
                            dir.resolve("uwsgi.ini").toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("serve.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(authUrl()))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        try {
            Await.until(
                    READY_TIMEOUT,
                    () -> {
                        if (!server.isAlive()) {
                            throw failure("uwsgi ended (exit " + server.exitValue() + ") before GET /v3 answered");
                        }
                        try {
                            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                            return response.statusCode() == 200
                                    ? "200"
                                    : "HTTP " + response.statusCode() + ": " + response.body();
                        } catch (IOException e) {
                            return e.toString();
                        }
                    },
                    "200"::equals,
                    "GET " + authUrl() + " to answer 200");
        } catch (Await.TimedOut e) {
            throw failure(e.getMessage());
        }
    }

    private void seed() {
        String admin = token(CLOUD_ADMIN);
        for (JsonNode role : call(admin, "GET", "/roles", null, 200).get("roles")) {
            roleIds.put(role.get("name").textValue(), role.get("id").textValue());
        }
        roleIds.put(
                "service",
                call(admin, "POST", "/roles", Map.of("role", Map.of("name", "service")), 201)
                        .at("/role/id")
                        .textValue());
        for (JsonNode project : call(admin, "GET", "/projects", null, 200).get("projects")) {
            projectIds.put(project.get("name").textValue(), project.get("id").textValue());
        }
        for (String name : List.of(PROJECT_A, PROJECT_B, SERVICE_PROJECT)) {
            projectIds.put(
                    name,
                    call(
                                    admin,
                                    "POST",
                                    "/projects",
                                    Map.of(
                                            "project",
                                            Map.of(
                                                    "name",
                                                    name,
                                                    "domain_id",
                                                    DOMAIN,
                                                    "description",
                                                    "Loupe test project")),
                                    201)
                            .at("/project/id")
                            .textValue());
        }
        for (JsonNode user : call(admin, "GET", "/users", null, 200).get("users")) {
            userIds.put(user.get("name").textValue(), user.get("id").textValue());
        }
        addUser(admin, ADMIN_A, "admin");
        addUser(admin, MEMBER_A, "member");
        addUser(admin, READER_A, "reader");
        addUser(admin, MEMBER_B, "member");
        addUser(admin, SERVICE, "service", "admin");
    }

    private void addUser(String admin, User user, String... roles) {
        String projectId = projectId(user.project());
        String userId = call(
                        admin,
                        "POST",
                        "/users",
                        Map.of(
                                "user",
                                Map.of(
                                        "name",
                                        user.name(),
                                        "password",
                                        user.password(),
                                        "domain_id",
                                        DOMAIN,
                                        "default_project_id",
                                        projectId)),
                        201)
                .at("/user/id")
                .textValue();
        userIds.put(user.name(), userId);
        for (String role : roles) {
            call(admin, "PUT", "/projects/" + projectId + "/users/" + userId + "/roles/" + roleId(role), null, 204);
        }
    }

    /** {@code http://127.0.0.1:PORT}, Keystone's root. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:PORT/v3}, the identity endpoint bootstrap put in the catalog; clients' auth URL. */
    public String authUrl() {
        return url() + "/v3";
    }

    public int port() {
        return port;
    }

    /** The folder with Keystone's configuration, database, keys and logs. */
    public Path dir() {
        return dir;
    }

    /** How long {@link #start} took, from writing the configuration to the end of seeding. */
    public Duration startup() {
        return startup;
    }

    /** The id of a project by name ({@value #PROJECT_A}, {@value #PROJECT_B}, {@value #SERVICE_PROJECT}, admin). */
    public String projectId(String name) {
        return Optional.ofNullable(projectIds.get(name))
                .orElseThrow(() -> new IllegalArgumentException("no project " + name + " in " + projectIds.keySet()));
    }

    /** The id of a user by name (those of the {@link User} constants). */
    public String userId(String name) {
        return Optional.ofNullable(userIds.get(name))
                .orElseThrow(() -> new IllegalArgumentException("no user " + name + " in " + userIds.keySet()));
    }

    /** The id of a role by name: admin, member, reader, service. */
    public String roleId(String name) {
        return Optional.ofNullable(roleIds.get(name))
                .orElseThrow(() -> new IllegalArgumentException("no role " + name + " in " + roleIds.keySet()));
    }

    /**
     * Issues a project-scoped token ({@code POST /v3/auth/tokens}, password method, user and project in domain
     * {@value #DOMAIN}) and returns it (Keystone's {@code X-Subject-Token}). Fails unless Keystone answers 201.
     */
    public String token(String user, String password, String projectName) {
        Map<String, Object> auth = Map.of(
                "auth",
                Map.of(
                        "identity",
                                Map.of(
                                        "methods",
                                        List.of("password"),
                                        "password",
                                        Map.of(
                                                "user",
                                                Map.of(
                                                        "name",
                                                        user,
                                                        "domain",
                                                        Map.of("id", DOMAIN),
                                                        "password",
                                                        password))),
                        "scope", Map.of("project", Map.of("name", projectName, "domain", Map.of("id", DOMAIN)))));
        HttpResponse<String> response = send(null, "POST", "/auth/tokens", auth);
        if (response.statusCode() != 201) {
            throw failure("POST /v3/auth/tokens for " + user + " on " + projectName + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return response.headers()
                .firstValue("X-Subject-Token")
                .orElseThrow(() -> failure("POST /v3/auth/tokens answered 201 without X-Subject-Token"));
    }

    /** {@link #token(String, String, String)} for one of the seeded users, scoped to its project. */
    public String token(User user) {
        return token(user.name(), user.password(), user.project());
    }

    /** A token of Loupe's service user {@link #SERVICE}, fit to validate other tokens. */
    public String serviceToken() {
        return token(SERVICE);
    }

    /**
     * Puts Loupe in the catalog: an {@code image} service (name {@code glance}) with public, internal and admin
     * endpoints at {@code loupeUrl} in region {@value #REGION}, so that clients that log in to Keystone find Loupe.
     * An image service registered before is removed with its endpoints. Returns the service's id.
     */
    public String registerImageService(String loupeUrl) {
        String admin = token(CLOUD_ADMIN);
        for (JsonNode service :
                call(admin, "GET", "/services?type=image", null, 200).get("services")) {
            String id = service.get("id").textValue();
            for (JsonNode endpoint :
                    call(admin, "GET", "/endpoints?service_id=" + id, null, 200).get("endpoints")) {
                call(admin, "DELETE", "/endpoints/" + endpoint.get("id").textValue(), null, 204);
            }
            call(admin, "DELETE", "/services/" + id, null, 204);
        }
        String serviceId = call(
                        admin,
                        "POST",
                        "/services",
                        Map.of(
                                "service",
                                Map.of(
                                        "type",
                                        "image",
                                        "name",
                                        "glance",
                                        "description",
                                        "Loupe, the Images API v2 tasks")),
                        201)
                .at("/service/id")
                .textValue();
        for (String endpointInterface : List.of("public", "internal", "admin")) {
            call(
                    admin,
                    "POST",
                    "/endpoints",
                    Map.of(
                            "endpoint",
                            Map.of(
                                    "service_id",
                                    serviceId,
                                    "interface",
                                    endpointInterface,
                                    "region_id",
                                    REGION,
                                    "url",
                                    loupeUrl)),
                    201);
        }
        return serviceId;
    }

    /**
     * Calls Keystone's API ({@code path} below {@code /v3}) with a token and fails unless it answers
     * {@code expectedStatus}; returns the JSON body (an empty object when there is none).
     */
    public JsonNode call(String token, String method, String path, Object body, int expectedStatus) {
        HttpResponse<String> response = send(token, method, path, body);
        if (response.statusCode() != expectedStatus) {
            throw failure(method + " /v3" + path + " answered " + response.statusCode() + ", not " + expectedStatus
                    + ": " + response.body());
        }
        try {
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw failure(method + " /v3" + path + " answered no JSON: " + response.body());
        }
    }

    private HttpResponse<String> send(String token, String method, String path, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(authUrl() + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (token != null) {
            request.header("X-Auth-Token", token);
        }
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw failure(method + " /v3" + path + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The server's processes (the group's leader and its descendants) while it runs. */
    public List<ProcessHandle> processes() {
        if (server == null) {
            return List.of();
        }
        List<ProcessHandle> all = new ArrayList<>();
        all.add(server.toHandle());
        server.descendants().forEach(all::add);
        return all.stream().filter(ProcessHandle::isAlive).toList();
    }

    /** The last lines of each of Keystone's logs, for a failure message. */
    public String logs() {
        StringBuilder out = new StringBuilder("Keystone's logs in ").append(dir).append(':');
        for (String name : List.of("setup.log", "serve.log", "uwsgi.log", "keystone.log")) {
            Path log = dir.resolve(name);
            out.append("\n--- ").append(name);
            try {
                if (!Files.exists(log)) {
                    out.append(" (none)");
                    continue;
                }
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                if (lines.size() > 60) {
                    out.append(" (last 60 of ").append(lines.size()).append(" lines)");
                    lines = lines.subList(lines.size() - 60, lines.size());
                }
                out.append('\n').append(String.join("\n", lines));
            } catch (IOException | UncheckedIOException e) {
                out.append(" (unreadable: ").append(e).append(')');
            }
        }
        return out.toString();
    }

    /**
     * An extension that prints {@link #logs()} of the Keystone the supplier gives (if any yet) when a test fails:
     * {@code @RegisterExtension static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);}
     */
    public static TestWatcher logsOnFailure(Supplier<Keystone> keystone) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                Keystone current = keystone.get();
                if (current != null) {
                    System.out.println(context.getDisplayName() + " failed; " + current.logs());
                }
            }
        };
    }

    private AssertionError failure(String message) {
        return new AssertionError("Keystone at " + url() + ": " + message + "\n" + logs());
    }

    /**
     * Ends the server: closing its standard input makes its watchdog end the process group (TERM); what is left
     * after {@value #STOP_TIMEOUT_SECONDS} seconds is killed (KILL to the group).
     */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        List<ProcessHandle> processes = processes();
        try {
            server.getOutputStream().close();
        } catch (IOException ignored) {
            // the pipe is already gone; the group is ended below anyway
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle process : processes) {
            try {
                process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (processes.stream().anyMatch(ProcessHandle::isAlive)) {
            signalGroup("KILL");
            processes.forEach(ProcessHandle::destroyForcibly);
        }
        server = null;
    }

    private void signalGroup(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + server.pid())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // the processes are destroyed one by one instead
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Keystone.class.getResourceAsStream("/keystone/" + name)) {
            if (in == null) {
                throw new IOException("test resource keystone/" + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
