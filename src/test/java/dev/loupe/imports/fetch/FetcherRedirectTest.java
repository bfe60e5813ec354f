package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.ANY_PORT;
import static dev.loupe.imports.fetch.TestSettings.LOOPBACK_ALLOWED;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.imports.fetch.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.testing.SourceServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
                Resolver.SYSTEM,
                null);
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

    /**
     * allowed_hosts names 127.0.0.1, so a location spelling that address another way is refused, and the refusal
     * names the spelling as the location wrote it, whatever OkHttp would make of it.
     */
    static Stream<Arguments> otherSpellingsOfTheAllowedHost() {
        return Stream.of(
                Arguments.of(
                        "http://[::ffff:127.0.0.1]:PORT/moved", "http://[::ffff:127.0.0.1]:PORT/moved", NOT_ALLOWED),
                Arguments.of("http://[::ffff:7f00:1]:PORT/moved", "http://[::ffff:7f00:1]:PORT/moved", NOT_ALLOWED),
                Arguments.of(
                        "http://[::ffff:7f00:0001]:PORT/moved", "http://[::ffff:7f00:0001]:PORT/moved", NOT_ALLOWED),
                Arguments.of(
                        "http://[0:0:0:0:0:ffff:127.0.0.1]:PORT/moved",
                        "http://[0:0:0:0:0:ffff:127.0.0.1]:PORT/moved",
                        NOT_ALLOWED),
                Arguments.of("http://[::127.0.0.1]:PORT/moved", "http://[::127.0.0.1]:PORT/moved", NOT_ALLOWED),
                Arguments.of("http://[64:ff9b::7f00:1]:PORT/moved", "http://[64:ff9b::7f00:1]:PORT/moved", NOT_ALLOWED),
                // Without a scheme, with backslashes, with surrounding blanks: OkHttp still reads the same host.
                Arguments.of("//[::ffff:127.0.0.1]:PORT/moved", "http://[::ffff:127.0.0.1]:PORT/moved", NOT_ALLOWED),
                Arguments.of(
                        "\\\\[::ffff:127.0.0.1]:PORT/moved", "http:\\\\[::ffff:127.0.0.1]:PORT/moved", NOT_ALLOWED),
                Arguments.of(
                        "http:\\\\[::ffff:127.0.0.1]:PORT\\moved",
                        "http:\\\\[::ffff:127.0.0.1]:PORT\\moved",
                        NOT_ALLOWED),
                Arguments.of(
                        " http://[::ffff:127.0.0.1]:PORT/moved ", "http://[::ffff:127.0.0.1]:PORT/moved", NOT_ALLOWED),
                Arguments.of(
                        "http:///[::ffff:127.0.0.1]:PORT/moved", "http:///[::ffff:127.0.0.1]:PORT/moved", NOT_ALLOWED),
                // Encodings OkHttp decodes into 127.0.0.1 are no host name or address the filter takes.
                Arguments.of("http://%31%32%37.0.0.1:PORT/moved", "http://%31%32%37.0.0.1:PORT/moved", INVALID_HOST));
    }

    private static final String NOT_ALLOWED = "host HOST is not in allowed_hosts";
    private static final String INVALID_HOST = "the host is not a valid host name or address";

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherSpellingsOfTheAllowedHost")
    void aRedirectToAnotherSpellingOfAnAllowedAddressIsRefused(String location, String shown, String reason) {
        String port = String.valueOf(server.getPort());
        location = location.replace("PORT", port);
        shown = shown.replace("PORT", port);
        String host = shown.contains("[") ? shown.substring(shown.indexOf('['), shown.indexOf(']') + 1) : "";
        redirect(302, location);
        // Were the redirect followed, this would be fetched.
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused redirect from " + url("/image") + " to " + shown
                        + ": URI for legacy import task does not pass filtering: " + shown + " ("
                        + reason.replace("HOST", host) + ")");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    /** MockWebServer sends no such header, so a raw server does: OkHttp reads full-width digits as 127.0.0.1. */
    @Test
    void aRedirectToFullWidthDigitsIsRefused() throws Exception {
        String location = "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:" + server.getPort() + "/moved";
        try (SourceServer source = SourceServer.start()) {
            source.script("/image", (socket, out) -> {
                out.write(("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            });
            assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(source.url("/image")))
                    .isInstanceOf(FetchFailure.class)
                    .hasMessage("Refused redirect from " + source.url("/image") + " to " + location
                            + ": URI for legacy import task does not pass filtering: " + location + " ("
                            + INVALID_HOST + ")");
        }
        assertThat(server.getRequestCount()).isZero();
    }

    /** The location as written is judged, so an explicit default port is checked as it would be at create. */
    @Test
    void anExplicitDefaultPortInALocationIsChecked() {
        redirect(302, "http://127.0.0.1:80/moved");
        FetchSettings settings = settings(
                filter(LOOPBACK_ALLOWED, "import_filtering_opts.allowed_ports=[" + server.getPort() + "]"),
                Resolver.SYSTEM);
        assertThatThrownBy(() -> new Fetcher(settings).open(url("/image")))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused redirect from " + url("/image") + " to http://127.0.0.1:80/moved:"
                        + " URI for legacy import task does not pass filtering: http://127.0.0.1:80/moved"
                        + " (port 80 is not in allowed_ports)");
    }

    @Test
    void aRelativeLocationKeepsTheHostItWasAdmittedWith() throws Exception {
        // A path that looks like a host is still a path on the same host.
        redirect(302, "http:/[::ffff:127.0.0.1]/moved");
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        Source source = new Fetcher(TestSettings.loopback()).open(url("/image"));
        assertThat(read(source)).isEqualTo("disk image");
        assertThat(source.finalUri()).isEqualTo(url("/[::ffff:127.0.0.1]/moved"));
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
