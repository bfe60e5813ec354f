package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.ANY_PORT;
import static dev.loupe.imports.fetch.TestSettings.LOOPBACK_ALLOWED;
import static dev.loupe.imports.fetch.TestSettings.address;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.imports.fetch.TestSettings.ipv6;
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
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The address check at connect time (C8) through a real fetch. Every refused address here is on this machine, so a
 * broken check would still send nothing elsewhere; the other ranges are covered without connecting in
 * {@link CheckedDnsTest}.
 */
class FetcherAddressTest {

    private static final String HOW_TO_ALLOW = " (allow it with [import_filtering_opts] allowed_hosts)";

    private final MockWebServer server = new MockWebServer();
    /** Host names the test resolver was asked for, in order. */
    private final List<String> lookups = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Resolver resolving(InetAddress address) {
        return host -> {
            lookups.add(host);
            return List.of(address);
        };
    }

    private static String read(Source source) throws Exception {
        try (source;
                InputStream body = source.body()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aLoopbackLiteralIsRefusedWithoutAllowedHosts() {
        String uri = "http://127.0.0.1:" + server.getPort() + "/image";
        Fetcher fetcher = new Fetcher(settings(filter(ANY_PORT), Resolver.SYSTEM));
        assertThatThrownBy(() -> fetcher.open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from " + uri + ": 127.0.0.1 is a loopback address" + HOW_TO_ALLOW);
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            [::1]              | a loopback address
            0.0.0.0            | an unspecified address
            127.8.9.10         | a loopback address
            [::ffff:127.0.0.1] | a loopback address
            """)
    void otherLocalLiteralsAreRefused(String host, String kind) {
        Fetcher fetcher = new Fetcher(settings(filter(ANY_PORT), Resolver.SYSTEM));
        assertThatThrownBy(() -> fetcher.open("http://" + host + ":" + server.getPort() + "/image"))
                .isInstanceOf(FetchFailure.class)
                .hasMessageStartingWith("Refused to fetch from http://")
                .hasMessageEndingWith(" is " + kind + HOW_TO_ALLOW);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void allowedHostsAdmitsTheLoopbackLiteral() throws Exception {
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        Fetcher fetcher = new Fetcher(settings(filter(ANY_PORT, LOOPBACK_ALLOWED), Resolver.SYSTEM));
        Source source = fetcher.open("http://127.0.0.1:" + server.getPort() + "/image");
        assertThat(source.contentLength()).hasValue(10);
        assertThat(source.finalUri()).isEqualTo("http://127.0.0.1:" + server.getPort() + "/image");
        assertThat(read(source)).isEqualTo("disk image");
    }

    @Test
    void aNameResolvingToLoopbackIsRefusedAndNothingIsSent() {
        String uri = "http://rebind.test:" + server.getPort() + "/image";
        Fetcher fetcher = new Fetcher(settings(filter(ANY_PORT), resolving(address("127.0.0.1"))));
        assertThatThrownBy(() -> fetcher.open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from " + uri + ": rebind.test resolves to 127.0.0.1, a loopback address"
                        + HOW_TO_ALLOW);
        assertThat(lookups).containsExactly("rebind.test");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aNameResolvingToAMappedLoopbackIsRefused() {
        String uri = "http://mapped.test:" + server.getPort() + "/image";
        Fetcher fetcher =
                new Fetcher(settings(filter(ANY_PORT), resolving(ipv6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001))));
        assertThatThrownBy(() -> fetcher.open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from " + uri + ": mapped.test resolves to 0:0:0:0:0:ffff:7f00:1,"
                        + " a loopback address embedded in an IPv6 address" + HOW_TO_ALLOW);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aNameInAllowedHostsConnectsToTheAddressTheHookReturned() throws Exception {
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        Fetcher fetcher = new Fetcher(settings(
                filter(ANY_PORT, "import_filtering_opts.allowed_hosts=[images.test]"),
                resolving(address("127.0.0.1"))));
        assertThat(read(fetcher.open("http://images.test:" + server.getPort() + "/image")))
                .isEqualTo("disk image");
        // The name exists only in the test resolver, so reaching the server proves OkHttp used no other lookup.
        RecordedRequest request = server.takeRequest();
        assertThat(request.getHeaders().get("Host")).isEqualTo("images.test:" + server.getPort());
        assertThat(lookups).containsExactly("images.test");
    }

    @Test
    void anUnresolvableHostSaysSo() {
        Fetcher fetcher = new Fetcher(settings(filter(), host -> {
            throw new java.net.UnknownHostException(host);
        }));
        assertThatThrownBy(() -> fetcher.open("http://nowhere.test/image"))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Cannot resolve host nowhere.test");
    }

    @Test
    void theFilterStillAppliesAtFetchTime() {
        String uri = "http://127.0.0.1:" + server.getPort() + "/image";
        Fetcher fetcher = new Fetcher(settings(filter(LOOPBACK_ALLOWED), Resolver.SYSTEM));
        assertThatThrownBy(() -> fetcher.open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from " + uri + ": URI for legacy import task does not pass filtering: "
                        + uri + " (port " + server.getPort() + " is not in allowed_ports)");
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]"})
    void anotherSpellingOfTheAllowedLoopbackLiteralIsRefusedAndNothingIsSent(String host) {
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        String uri = "http://" + host + ":" + server.getPort() + "/image";
        Fetcher fetcher = new Fetcher(settings(filter(ANY_PORT, LOOPBACK_ALLOWED), Resolver.SYSTEM));
        assertThatThrownBy(() -> fetcher.open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from " + uri + ": URI for legacy import task does not pass filtering: "
                        + uri + " (host " + host + " is not in allowed_hosts)");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aNonHttpSourceIsRefused() {
        Fetcher fetcher = new Fetcher(TestSettings.loopback());
        assertThatThrownBy(() -> fetcher.open("ftp://127.0.0.1/image"))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Refused to fetch from ftp://127.0.0.1/image: only http and https sources can be fetched");
    }
}
