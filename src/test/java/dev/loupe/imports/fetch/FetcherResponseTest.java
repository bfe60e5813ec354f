package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.ANY_PORT;
import static dev.loupe.imports.fetch.TestSettings.LOOPBACK_ALLOWED;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.testing.SourceServer.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.testing.SourceServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the source answers, and how its body arrives (C9). */
class FetcherResponseTest {

    private final MockWebServer server = new MockWebServer();

    @BeforeEach
    void start() throws Exception {
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getPort() + "/image";
    }

    private static Fetcher fetcher(long sizeCap, Duration readTimeout) {
        return new Fetcher(new FetchSettings(
                Duration.ofSeconds(2),
                readTimeout,
                5,
                sizeCap,
                filter(ANY_PORT, LOOPBACK_ALLOWED),
                Resolver.SYSTEM,
                null));
    }

    private static Fetcher fetcher() {
        return new Fetcher(TestSettings.loopback());
    }

    private static byte[] readAll(Source source) throws Exception {
        try (source;
                InputStream body = source.body()) {
            return body.readAllBytes();
        }
    }

    @Test
    void notFoundNamesStatusAndReason() {
        server.enqueue(
                new MockResponse.Builder().code(404).body("no such image").build());
        assertThatThrownBy(() -> fetcher().open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source answered HTTP 404 Not Found");
    }

    @Test
    void serverErrorNamesStatusAndReason() {
        server.enqueue(new MockResponse.Builder().code(500).build());
        assertThatThrownBy(() -> fetcher().open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source answered HTTP 500 Internal Server Error");
    }

    @Test
    void anUnusualStatusKeepsTheServersReason() {
        server.enqueue(new MockResponse.Builder()
                .status("HTTP/1.1 599 Origin Unplugged")
                .build());
        assertThatThrownBy(() -> fetcher().open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source answered HTTP 599 Origin Unplugged");
    }

    @Test
    void aContentLengthOverTheCapFailsBeforeReading() {
        server.enqueue(new MockResponse.Builder().body("0123456789A").build());
        assertThatThrownBy(() -> fetcher(10, Duration.ofSeconds(2)).open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source is 11 bytes, over the image_size_cap of 10 bytes");
    }

    @Test
    void aContentLengthAtTheCapIsRead() throws Exception {
        server.enqueue(new MockResponse.Builder().body("0123456789").build());
        assertThat(readAll(fetcher(10, Duration.ofSeconds(2)).open(url()))).hasSize(10);
    }

    @Test
    void aChunkedBodyFailsOnceItPassesTheCap() throws Exception {
        server.enqueue(new MockResponse.Builder().chunkedBody("0123456789A", 4).build());
        Source source = fetcher(10, Duration.ofSeconds(2)).open(url());
        assertThat(source.contentLength()).isEmpty();
        assertThatThrownBy(() -> readAll(source))
                .isInstanceOf(SourceReadFailure.class)
                .hasMessage("Source sent more than the image_size_cap of 10 bytes");
    }

    @Test
    void aChunkedBodyAtTheCapIsRead() throws Exception {
        server.enqueue(new MockResponse.Builder().chunkedBody("0123456789", 3).build());
        assertThat(readAll(fetcher(10, Duration.ofSeconds(2)).open(url())))
                .isEqualTo("0123456789".getBytes(StandardCharsets.UTF_8));
    }

    /** A source on 127.0.0.1 whose answer to {@code /image} is the script's, down to the socket. */
    private static SourceServer source(SourceServer.Script script) {
        SourceServer source = SourceServer.start();
        source.script("/image", script);
        return source;
    }

    @Test
    void aBodyShorterThanItsLengthFails() throws Exception {
        try (SourceServer source =
                source((socket, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"))) {
            Source opened = fetcher().open(source.url("/image"));
            assertThat(opened.contentLength()).hasValue(20);
            assertThatThrownBy(() -> readAll(opened))
                    .isInstanceOf(SourceReadFailure.class)
                    .hasMessage("Source ended after 10 of 20 bytes");
        }
    }

    @Test
    void aChunkedBodyCutShortFails() throws Exception {
        try (SourceServer source = source((socket, out) ->
                write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n8\r\n567"))) {
            Source opened = fetcher().open(source.url("/image"));
            assertThatThrownBy(() -> readAll(opened))
                    .isInstanceOf(SourceReadFailure.class)
                    .hasMessage("Source ended early, after 8 bytes");
        }
    }

    @Test
    void aResetMidStreamIsASpecificReadFailure() throws Exception {
        CountDownLatch firstPartRead = new CountDownLatch(1);
        try (SourceServer source = source((socket, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234");
            firstPartRead.await(10, TimeUnit.SECONDS);
            SourceServer.reset(socket);
        })) {
            Source opened = fetcher().open(source.url("/image"));
            InputStream body = opened.body();
            assertThat(body.readNBytes(5)).isEqualTo("01234".getBytes(StandardCharsets.UTF_8));
            firstPartRead.countDown();
            assertThatThrownBy(() -> readAll(opened))
                    .isInstanceOf(SourceReadFailure.class)
                    .hasMessageStartingWith("Reading the source failed after 5 of 100 bytes: ")
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void aStalledBodyFailsAfterTheReadTimeout() throws Exception {
        try (SourceServer source = source((socket, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n01234");
            SourceServer.stall();
        })) {
            Source opened = fetcher(1 << 20, Duration.ofMillis(500)).open(source.url("/image"));
            assertThatThrownBy(() -> readAll(opened))
                    .isInstanceOf(SourceReadFailure.class)
                    .hasMessage("Source stopped sending data for 0.5 s");
        }
    }

    @Test
    void aSourceStalledBeforeAnsweringFailsAfterTheReadTimeout() {
        server.enqueue(new MockResponse.Builder()
                .headersDelay(5, TimeUnit.SECONDS)
                .body("late")
                .build());
        assertThatThrownBy(() -> fetcher(1 << 20, Duration.ofSeconds(1)).open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Source stopped sending data for 1 s");
    }

    @Test
    void aClosedPortCannotBeConnectedTo() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort();
        }
        String uri = "http://127.0.0.1:" + port + "/image";
        assertThatThrownBy(() -> fetcher().open(uri))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Cannot connect to " + uri + ": Connection refused");
    }

    @Test
    void aResetBeforeTheAnswerNamesTheSource() throws Exception {
        try (SourceServer source = source((socket, out) -> SourceServer.reset(socket))) {
            assertThatThrownBy(() -> fetcher().open(source.url("/image")))
                    .isInstanceOf(FetchFailure.class)
                    .hasMessageStartingWith("Connection to " + source.url("/image") + " failed: ")
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void theBodyIsHandedOverAsItArrives() throws Exception {
        CountDownLatch firstPartRead = new CountDownLatch(1);
        try (SourceServer source = source((socket, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello");
            // The rest is sent only once the client has read the start: a buffering fetcher would never get it.
            firstPartRead.await(10, TimeUnit.SECONDS);
            write(out, " world");
        })) {
            Source opened = fetcher().open(source.url("/image"));
            InputStream body = opened.body();
            assertThat(body.readNBytes(5)).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
            firstPartRead.countDown();
            assertThat(readAll(opened)).isEqualTo(" world".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theBodyIsNotDecompressed() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .addHeader("Content-Encoding", "gzip")
                .body("raw bytes")
                .build());
        assertThat(readAll(fetcher().open(url()))).isEqualTo("raw bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(server.takeRequest().getHeaders().get("Accept-Encoding")).isEqualTo("identity");
    }
}
