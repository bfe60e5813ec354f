package dev.loupe.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loupe serve} with {@code auth_strategy = keystone}, as an operator starts it: the service user is checked. */
class KeystoneStartIT {

    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aWrongServicePasswordStopsServeWithOneLine() throws Exception {
        try (MockWebServer keystone = new MockWebServer()) {
            // Keystone's answer to a password it does not know.
            keystone.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse.Builder().code(401).build();
                }
            });
            keystone.start(InetAddress.getByName("127.0.0.1"), 0);
            String url = "http://127.0.0.1:" + keystone.getPort();

            try (LoupeProcess serve = serve(url)) {
                assertThat(serve.exitCode(START))
                        .as("exit code of a bad configuration")
                        .isEqualTo(2);
                assertThat(serve.stderr().strip())
                        .isEqualTo("loupe: Keystone at " + url + " refused the service user 'loupe' (HTTP 401):"
                                + " check [keystone_authtoken] username, password, project_name, user_domain_name,"
                                + " project_domain_name");
                assertThat(serve.line(LoupeProcess.READY)).as("never served").isEmpty();
            }
        }
    }

    @Test
    void anUnreachableKeystoneIsOneWarningAndServeStarts() throws Exception {
        String url;
        try (MockWebServer gone = new MockWebServer()) {
            gone.start(InetAddress.getByName("127.0.0.1"), 0);
            url = "http://127.0.0.1:" + gone.getPort();
        }

        try (LoupeProcess serve = serve(url)) {
            Client client = serve.awaitReady(START);
            assertThat(client.get("/healthcheck", Map.of()).statusCode()).isEqualTo(200);

            List<String> lines = serve.stderr().lines().toList();
            assertThat(lines)
                    .filteredOn(line -> line.contains("Keystone"))
                    .singleElement()
                    .satisfies(line -> assertThat(line)
                            .contains(" WARN ")
                            .contains("Keystone cannot validate tokens now: Keystone at " + url
                                    + " could not be reached"));
            assertThat(lines)
                    .as("no stack trace")
                    .noneMatch(line -> line.startsWith("\tat ") || line.startsWith("Caused by"));
        }
    }

    private LoupeProcess serve(String keystoneUrl) {
        return LoupeProcess.jar(
                dir.resolve("logs"),
                "serve",
                "--data-dir",
                dir.resolve("data").toString(),
                "--set",
                "DEFAULT.bind_port=0",
                "--set",
                "DEFAULT.auth_strategy=keystone",
                "--set",
                "keystone_authtoken.auth_url=" + keystoneUrl + "/v3",
                "--set",
                "keystone_authtoken.username=loupe",
                "--set",
                "keystone_authtoken.password=wrong",
                "--set",
                "keystone_authtoken.project_name=service",
                "--set",
                "keystone_authtoken.http_connect_timeout=5");
    }
}
