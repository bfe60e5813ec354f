package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.Keystone;
import dev.loupe.testing.Keystone.User;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Keystone of {@link Keystone} does what Loupe's keystone auth_strategy relies on: it serves
 * {@code /v3}, issues project-scoped tokens to the seeded users, lets the service user validate them
 * ({@code GET /v3/auth/tokens} with {@code X-Subject-Token}) with their project and roles, refuses a garbage token,
 * and lists Loupe as the {@code image} service once registered. Prints how long a start and a cached validation take.
 */
class KeystoneHarnessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;

    static Keystone keystone;

    @RegisterExtension
    static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);

    @BeforeAll
    static void start() {
        keystone = Keystone.start(dir.resolve("keystone"));
    }

    @AfterAll
    static void stop() {
        if (keystone == null) {
            return;
        }
        List<ProcessHandle> processes = keystone.processes();
        assertThat(processes)
                .as("the server's processes (serve.sh, its watchdog, uwsgi's master and worker)")
                .hasSizeGreaterThanOrEqualTo(3);
        long started = System.nanoTime();
        keystone.close();
        System.out.printf("Keystone closed in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        assertThat(processes).as("processes left after close").noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void answersV3() throws Exception {
        HttpResponse<String> response = get(keystone.authUrl(), Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode version = JSON.readTree(response.body()).get("version");
        assertThat(version.get("id").textValue()).startsWith("v3.");
        assertThat(version.get("status").textValue()).isEqualTo("stable");
    }

    @Test
    void eachUsersTokenValidatesWithItsProjectAndRoles() throws Exception {
        // bootstrap's roles imply one another: admin -> member -> reader
        Map<User, List<String>> expectedRoles = Map.of(
                Keystone.CLOUD_ADMIN, List.of("admin", "member", "reader"),
                Keystone.ADMIN_A, List.of("admin", "member", "reader"),
                Keystone.MEMBER_A, List.of("member", "reader"),
                Keystone.READER_A, List.of("reader"),
                Keystone.MEMBER_B, List.of("member", "reader"),
                Keystone.SERVICE, List.of("service", "admin", "member", "reader"));
        String serviceToken = keystone.serviceToken();

        for (Map.Entry<User, List<String>> expected : expectedRoles.entrySet()) {
            User user = expected.getKey();
            String token = keystone.token(user);

            HttpResponse<String> response = validate(serviceToken, token);

            assertThat(response.statusCode())
                    .as("validating %s's token", user.name())
                    .isEqualTo(200);
            assertThat(response.headers().firstValue("X-Subject-Token")).contains(token);
            JsonNode body = JSON.readTree(response.body()).get("token");
            assertThat(body.at("/user/name").textValue()).isEqualTo(user.name());
            assertThat(body.at("/user/id").textValue()).isEqualTo(keystone.userId(user.name()));
            assertThat(body.at("/user/domain/id").textValue()).isEqualTo(Keystone.DOMAIN);
            assertThat(body.at("/project/id").textValue())
                    .as("%s's project", user.name())
                    .isEqualTo(keystone.projectId(user.project()));
            assertThat(body.at("/project/name").textValue()).isEqualTo(user.project());
            assertThat(body.has("catalog")).as("?nocatalog").isFalse();
            assertThat(names(body.get("roles")))
                    .as("%s's roles", user.name())
                    .containsExactlyInAnyOrderElementsOf(expected.getValue());
        }
    }

    @Test
    void theProjectsAreDistinct() {
        assertThat(List.of(
                        keystone.projectId(Keystone.PROJECT_A),
                        keystone.projectId(Keystone.PROJECT_B),
                        keystone.projectId(Keystone.SERVICE_PROJECT),
                        keystone.projectId("admin")))
                .doesNotHaveDuplicates()
                .allMatch(id -> id.matches("[0-9a-f]{32}"));
    }

    @Test
    void aGarbageSubjectTokenIsNotFound() throws Exception {
        HttpResponse<String> response = validate(keystone.serviceToken(), "gAAAAABgarbage-not-a-token");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
    }

    @Test
    void aWrongPasswordGetsNoToken() {
        assertThatThrownBy(() -> keystone.token(Keystone.MEMBER_A.name(), "wrong", Keystone.PROJECT_A))
                .hasMessageContaining("answered 401");
    }

    @Test
    void theCatalogListsTheRegisteredImageService() throws Exception {
        keystone.registerImageService("http://127.0.0.1:9/replaced");
        String loupeUrl = "http://127.0.0.1:9292";
        keystone.registerImageService(loupeUrl);

        HttpResponse<String> response =
                get(keystone.authUrl() + "/auth/catalog", Map.of("X-Auth-Token", keystone.token(Keystone.ADMIN_A)));

        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> images = new ArrayList<>();
        List<String> identityUrls = new ArrayList<>();
        for (JsonNode service : JSON.readTree(response.body()).get("catalog")) {
            if (service.get("type").textValue().equals("image")) {
                images.add(service);
            }
            if (service.get("type").textValue().equals("identity")) {
                service.get("endpoints")
                        .forEach(e -> identityUrls.add(e.get("url").textValue()));
            }
        }
        assertThat(images).as("image services in %s", response.body()).hasSize(1);
        JsonNode image = images.getFirst();
        assertThat(image.get("name").textValue()).isEqualTo("glance");
        List<String> endpoints = new ArrayList<>();
        for (JsonNode endpoint : image.get("endpoints")) {
            assertThat(endpoint.get("url").textValue()).isEqualTo(loupeUrl);
            assertThat(endpoint.get("region_id").textValue()).isEqualTo(Keystone.REGION);
            endpoints.add(endpoint.get("interface").textValue());
        }
        assertThat(endpoints).containsExactlyInAnyOrder("public", "internal", "admin");
        assertThat(identityUrls).containsOnly(keystone.authUrl()).hasSize(3);
    }

    @Test
    void thePackagesOwnServicesAreNotRunning() {
        List<String> running = ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains("/etc/keystone/") || line.matches("^\\S*(apache2|httpd)\\b.*"))
                .toList();

        assertThat(running)
                .as("keystone's or apache's service, started by the package")
                .isEmpty();
    }

    @Test
    void aCachedValidationIsQuick() throws Exception {
        String serviceToken = keystone.serviceToken();
        String token = keystone.token(Keystone.MEMBER_A);
        assertThat(validate(serviceToken, token).statusCode()).isEqualTo(200);

        int rounds = 50;
        long started = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            assertThat(validate(serviceToken, token).statusCode()).isEqualTo(200);
        }
        Duration each = Duration.ofNanos((System.nanoTime() - started) / rounds);

        long issuing = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            keystone.token(Keystone.MEMBER_A);
        }
        Duration issue = Duration.ofNanos((System.nanoTime() - issuing) / 10);
        // measured, never asserted: the machine is shared and its speed varies
        System.out.printf(
                "Keystone: started in %d ms; one cached token validation %.1f ms (mean of %d);"
                        + " one password token %.1f ms (mean of 10)%n",
                keystone.startup().toMillis(), each.toNanos() / 1e6, rounds, issue.toNanos() / 1e6);
    }

    private static HttpResponse<String> validate(String serviceToken, String subjectToken) throws Exception {
        return get(
                keystone.authUrl() + "/auth/tokens?nocatalog",
                Map.of("X-Auth-Token", serviceToken, "X-Subject-Token", subjectToken));
    }

    private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .GET();
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(node -> names.add(node.get("name").textValue()));
        return names;
    }
}
