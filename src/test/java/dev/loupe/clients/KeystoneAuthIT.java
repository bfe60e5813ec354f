package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.testing.Keystone;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code auth_strategy = keystone} against a real Keystone: tokens of its users become Loupe identities (project,
 * user, roles with the implied ones), bad or missing tokens get 401 with the Keystone challenge, one token costs one
 * validation however many requests use it, and a Keystone that is gone refuses new tokens with 503.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeystoneAuthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;

    static Keystone keystone;
    static LoupeServer loupe;

    @RegisterExtension
    static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);

    @BeforeAll
    static void start() {
        keystone = Keystone.start(dir.resolve("keystone"));
        loupe = LoupeServer.withWorkers(dir.resolve("loupe"), UnaryOperator.identity(), behind(keystone));
    }

    /**
     * A Loupe with workers behind {@code keystone}, which may import from the loopback source on {@code sourcePort},
     * registered in the catalog as the image service: what the client suites drive.
     */
    static LoupeServer importingBehind(Keystone keystone, Path dir, int sourcePort) {
        LoupeServer loupe = LoupeServer.withWorkers(
                dir,
                UnaryOperator.identity(),
                behind(
                        keystone,
                        "import_filtering_opts.allowed_hosts=127.0.0.1",
                        "import_filtering_opts.allowed_ports=" + sourcePort,
                        "task.poll_interval=0.05"));
        keystone.registerImageService(loupe.baseUrl());
        return loupe;
    }

    /** The overrides that put a Loupe behind this Keystone, with its service user. */
    static String[] behind(Keystone keystone, String... more) {
        String[] settings = {
            "DEFAULT.auth_strategy=keystone",
            "keystone_authtoken.auth_url=" + keystone.authUrl(),
            "keystone_authtoken.www_authenticate_uri=" + keystone.url(),
            "keystone_authtoken.username=" + Keystone.SERVICE.name(),
            "keystone_authtoken.password=" + Keystone.SERVICE.password(),
            "keystone_authtoken.project_name=" + Keystone.SERVICE.project()
        };
        String[] all = java.util.Arrays.copyOf(settings, settings.length + more.length);
        System.arraycopy(more, 0, all, settings.length, more.length);
        return all;
    }

    @AfterAll
    static void stop() {
        if (loupe != null) {
            loupe.close();
        }
        if (keystone != null) {
            keystone.close();
        }
    }

    @Test
    @Order(1)
    void anAdminsTokenCreatesATaskOwnedByItsProject() throws Exception {
        String token = keystone.token(Keystone.ADMIN_A);

        HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/v2/tasks"))
                .header("X-Auth-Token", token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"type": "import", "input": {"import_from": "http://example.com/i.raw",
                         "import_from_format": "raw",
                         "image_properties": {"disk_format": "raw", "container_format": "bare"}}}""")));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode task = JSON.readTree(created.body());
        assertThat(task.get("owner").textValue()).isEqualTo(keystone.projectId(Keystone.PROJECT_A));
        assertThat(task.get("user_id").textValue()).isEqualTo(keystone.userId(Keystone.ADMIN_A.name()));
        HttpResponse<String> shown = get("/v2/tasks/" + task.get("id").textValue(), token);
        assertThat(shown.statusCode()).isEqualTo(200);
    }

    @Test
    @Order(1)
    void aMembersTokenIsKnownButNotAllowedTheTasksApi() throws Exception {
        HttpResponse<String> listed = get("/v2/tasks", keystone.token(Keystone.MEMBER_A));

        assertThat(listed.statusCode()).isEqualTo(403);
        assertThat(listed.body()).contains("You are not authorized to complete tasks_api_access action.");
    }

    @Test
    @Order(1)
    void noTokenOrAForgedOneIs401WithTheKeystoneChallenge() throws Exception {
        for (String token : new String[] {null, "gAAAAAforged"}) {
            HttpResponse<String> refused = get("/v2/tasks", token);

            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .hasValue("Keystone uri=\"" + keystone.url() + "\"");
            assertThat(refused.body()).contains("The request you have made requires authentication.");
        }
    }

    @Test
    @Order(0)
    void aWrongServicePasswordStopsTheStartNamingTheOptions() {
        assertThatThrownBy(() -> LoupeServer.start(
                        dir.resolve("wrong-password"), behind(keystone, "keystone_authtoken.password=wrong")))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageEndingWith("refused the service user '" + Keystone.SERVICE.name() + "' (HTTP 401): check"
                        + " [keystone_authtoken] username, password, project_name, user_domain_name,"
                        + " project_domain_name");
    }

    @Test
    @Order(1)
    void aThousandRequestsWithOneTokenAskKeystoneOnce() throws Exception {
        String token = keystone.token(Keystone.ADMIN_A);
        long before = validations();
        long started = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            assertThat(get("/v2/tasks?limit=1", token).statusCode()).isEqualTo(200);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(validations() - before).isEqualTo(1);
        System.out.printf(
                "KeystoneAuthIT: 1000 requests with one token in %.2f s (%.0f req/s, one client),"
                        + " %d Keystone validation(s)%n",
                seconds, 1000 / seconds, validations() - before);
    }

    @Test
    @Order(2)
    void withKeystoneGoneANewTokenIs503AndAValidatedOneStillWorks() throws Exception {
        String validated = keystone.token(Keystone.ADMIN_A);
        assertThat(get("/v2/tasks", validated).statusCode()).isEqualTo(200);
        String fresh = keystone.token(Keystone.ADMIN_A);
        keystone.close();

        HttpResponse<String> refused = get("/v2/tasks", fresh);

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("The identity service cannot check the request's token now");
        assertThat(get("/v2/tasks", validated).statusCode()).isEqualTo(200);
    }

    /** Token validations Keystone has served so far, from its access log. */
    private static long validations() throws IOException {
        try (var lines = Files.lines(keystone.dir().resolve("uwsgi.log"))) {
            return lines.filter(line -> line.contains("GET /v3/auth/tokens")).count();
        }
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Accept", "application/json");
        if (token != null) {
            request.header("X-Auth-Token", token);
        }
        return send(request.GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(loupe.baseUrl() + path);
    }
}
