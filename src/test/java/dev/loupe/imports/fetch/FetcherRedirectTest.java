package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.ANY_PORT;
import static dev.loupe.imports.fetch.TestSettings.LOOPBACK_ALLOWED;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.imports.fetch.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Redirects are followed by hand, each hop checked again (C8). */
class FetcherRedirectTest {

    private final MockWebServer server = new MockWebServer();

    @BeforeEach
    void start() throws Exception {
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getPort() + path;
    }

    private void redirect(int code, String location) {
        server.enqueue(new MockResponse.Builder()
                .code(code)
                .addHeader("Location", location)
                .build());
    }

    private static String read(Source source) throws Exception {
        try (source;
                InputStream body = source.body()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void eachRedirectStatusIsFollowed(int code) throws Exception {
        redirect(code, "/moved");
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        Source source = new Fetcher(TestSettings.loopback()).open(url("/image"));
        assertThat(source.finalUri()).isEqualTo(url("/moved"));
        assertThat(read(source)).isEqualTo("disk image");
        assertThat(server.takeRequest().getTarget()).isEqualTo("/image");
        assertThat(server.takeRequest().getTarget()).isEqualTo("/moved");
    }

    @Test
    void aChainOfFiveRedirectsIsFollowed() throws Exception {
        for (int hop = 1; hop <= 5; hop++) {
            // Absolute and relative locations alike.
            redirect(302, hop % 2 == 0 ? "/hop" + hop : url("/hop" + hop));
        }
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        Source source = new Fetcher(TestSettings.loopback()).open(url("/image"));
        assertThat(source.finalUri()).isEqualTo(url("/hop5"));
        assertThat(read(source)).isEqualTo("disk image");
        assertThat(server.getRequestCount()).isEqualTo(6);
    }

    @Test
    void aSixthRedirectIsRefused() {
        for (int hop = 1; hop <= 6; hop++) {
            redirect(301, "/hop" + hop);
        }
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Too many redirects (more than 5) fetching " + url("/image"));
        assertThat(server.getRequestCount()).isEqualTo(6);
    }

    @Test
    void theLimitComesFromTheSettings() {
        redirect(302, "/again");
        FetchSettings none = new FetchSettings(
                java.time.Duration.ofSeconds(2),
                java.time.Duration.ofSeconds(2),
                0,
                1L << 40,
                filter(ANY_PORT, LOOPBACK_ALLOWED),
                Resolver.SYSTEM);
        assertThatThrownBy(() -> new Fetcher(none).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Too many redirects (more than 0) fetching " + url("/image"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "ftp://127.0.0.1/image", "gopher://127.0.0.1/", "data:,x"})
    void aRedirectToAnotherSchemeIsRefused(String location) {
        redirect(302, location);
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused redirect from " + url("/image") + " to " + location
                        + ": only http and https sources can be fetched");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aRedirectToAHostOutsideAllowedHostsIsRefused() {
        redirect(307, "http://169.254.169.254/latest/meta-data/");
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused redirect from " + url("/image") + " to http://169.254.169.254/latest/meta-data/:"
                        + " URI for legacy import task does not pass filtering:"
                        + " http://169.254.169.254/latest/meta-data/ (host 169.254.169.254 is not in allowed_hosts)");
    }

    @Test
    void aRedirectToAPortOutsideAllowedPortsIsRefused() {
        redirect(302, "http://127.0.0.1:22/");
        FetchSettings settings = settings(
                filter(LOOPBACK_ALLOWED, "import_filtering_opts.allowed_ports=[" + server.getPort() + "]"),
                Resolver.SYSTEM);
        assertThatThrownBy(() -> new Fetcher(settings).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused redirect from " + url("/image") + " to http://127.0.0.1:22/:"
                        + " URI for legacy import task does not pass filtering: http://127.0.0.1:22/"
                        + " (port 22 is not in allowed_ports)");
    }

    @Test
    void aRedirectToADisallowedSchemeIsRefused() {
        redirect(302, "https://127.0.0.1:" + server.getPort() + "/image");
        FetchSettings settings = settings(
                filter(ANY_PORT, LOOPBACK_ALLOWED, "import_filtering_opts.allowed_schemes=[http]"), Resolver.SYSTEM);
        assertThatThrownBy(() -> new Fetcher(settings).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessageStartingWith("Refused redirect from " + url("/image") + " to https://127.0.0.1:");
    }

    @Test
    void eachHopIsResolvedThroughTheCheckedLookup() throws Exception {
        List<String> lookups = new CopyOnWriteArrayList<>();
        Resolver resolver = host -> {
            lookups.add(host);
            return List.of(InetAddress.getByName("127.0.0.1"));
        };
        redirect(302, "http://mirror.test:" + server.getPort() + "/image");
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        FetchSettings settings =
                settings(filter(ANY_PORT, "import_filtering_opts.allowed_hosts=[images.test, mirror.test]"), resolver);
        Source source = new Fetcher(settings).open("http://images.test:" + server.getPort() + "/image");
        assertThat(read(source)).isEqualTo("disk image");
        assertThat(lookups).containsExactly("images.test", "mirror.test");
    }

    @Test
    void aRedirectWithoutLocationIsTheAnswer() {
        server.enqueue(new MockResponse.Builder().code(302).build());
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source answered HTTP 302 Found");
    }
}
