package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.keys;
import static dev.loupe.conformance.Wire.parse;
import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.LogCapture;
import dev.loupe.testing.RawHttp;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests the HTTP server refuses before Loupe's routes see them (C3, C22): a broken request target, a request
 * line or headers over the limit, an unknown HTTP version, duplicate or contradictory framing headers. Each is
 * answered in Loupe's error format (never Jetty's HTML page, never an empty body) with a request id.
 *
 * <p>Jetty refuses most of these while it parses the request, before it has headers to offer: those answers are
 * plain text whatever Accept says. A refusal after parsing (an ambiguous or badly encoded path) follows Accept.
 *
 * <p>A body that ends before its framing says it does (fewer bytes than Content-Length, a broken or missing chunk)
 * is the client's fault too: 400 with a message, never a 500 with a stack trace in the log.
 */
class JettyRefusalsIT {

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    static final String BROKEN_ESCAPE =
            "Malformed request: the request target has a broken %-escape (% must be followed by two hexadecimal"
                    + " digits).";

    private static RawHttp http() {
        return new RawHttp(URI.create(server.baseUrl()).getPort());
    }

    /** The identity headers of {@code who}, one per line, as a raw request carries them. */
    private static String identity(Map<String, String> who) {
        StringBuilder lines = new StringBuilder();
        who.forEach((k, v) -> lines.append(k).append(": ").append(v).append("\r\n"));
        return lines.toString();
    }

    /** A request whose head is {@code head} (request line and headers, each line ending CRLF) and no body. */
    private static RawHttp.Response send(String head) {
        return http().exchange(
                        (head + identity(ADMIN_A) + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                        false);
    }

    /** The plain-text form of C3 with the request id of C22. */
    private static void assertPlain(RawHttp.Response r, int status, String message) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(r.toString()).startsWith("text/plain");
        assertThat(r.header("x-openstack-request-id")).as(r.toString()).startsWith("req-");
        assertThat(r.text()).as(r.toString()).isEqualTo(status + " " + title(status, r) + "\n\n" + message + "\n");
    }

    /** Jetty's wording of a framing refusal is its own; Loupe's format and prefix are what is promised. */
    private static void assertMalformed(RawHttp.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.header("Content-Type")).as(r.toString()).startsWith("text/plain");
        assertThat(r.header("x-openstack-request-id")).as(r.toString()).startsWith("req-");
        assertThat(r.text()).as(r.toString()).startsWith("400 Bad Request\n\nMalformed request: ");
        assertThat(r.errorMessage()).as(r.toString()).endsWith(".").doesNotContain("<");
    }

    private static String title(int status, RawHttp.Response r) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            default -> throw new AssertionError("no title for " + status + ": " + r);
        };
    }

    // ---- the request target ------------------------------------------------------------------------------------

    @Test
    void brokenEscapeInThePathGives400() {
        assertPlain(send("GET /v2/tasks/%zz HTTP/1.1\r\nHost: h\r\n"), 400, BROKEN_ESCAPE);
        assertPlain(send("GET /v2/tasks/a%2 HTTP/1.1\r\nHost: h\r\n"), 400, BROKEN_ESCAPE);
    }

    @Test
    void percentUEscapeInThePathGives400() {
        // Jetty lets %u0041 through; it must not reach the router's decoder as a 500.
        assertPlain(send("GET /v2/tasks/a%u0041 HTTP/1.1\r\nHost: h\r\n"), 400, BROKEN_ESCAPE);
        RawHttp.Response json = send("GET /v2/tasks/a%u0041 HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\n");
        assertThat(json.status()).as(json.toString()).isEqualTo(400);
        assertThat(json.header("Content-Type")).startsWith("application/json");
        assertThat(json.errorMessage()).isEqualTo(BROKEN_ESCAPE);
    }

    @Test
    void escapeThatIsNotUtf8GivesJsonWhenAsked() {
        RawHttp.Response r = send("GET /v2/tasks/%C3%28 HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.header("Content-Type")).as(r.toString()).startsWith("application/json");
        assertThat(r.header("x-openstack-request-id")).as(r.toString()).startsWith("req-");
        JsonNode body = parse(r.text());
        assertThat(keys(body)).containsExactlyInAnyOrder("message", "code", "title");
        assertThat(body.get("code").asText()).isEqualTo("400 Bad Request");
        assertThat(body.get("message").asText()).startsWith("Malformed request: ");
    }

    @Test
    void refusalAfterParsingKeepsTheCallersRequestId() {
        RawHttp.Response r = send("GET /v2/tasks/..;/ HTTP/1.1\r\nHost: h\r\nX-Openstack-Request-Id: req-mine\r\n");
        assertMalformed(r);
        assertThat(r.header("x-openstack-request-id")).isEqualTo("req-mine");
    }

    @Test
    void refusalIsNeverHtmlEvenWhenHtmlIsAsked() {
        RawHttp.Response r = send("GET /v2/tasks/%C3%28 HTTP/1.1\r\nHost: h\r\nAccept: text/html\r\n");
        assertMalformed(r);
    }

    @Test
    void queryOverTheUriLimitGives414() {
        assertPlain(
                send("GET /v2/tasks?x=" + "a".repeat(9000) + " HTTP/1.1\r\nHost: h\r\n"),
                414,
                "Request URI too long: the request line and headers together are limited to 8192 bytes.");
    }

    @Test
    void headerOver8KibGives431() {
        assertPlain(
                send("GET /v2/tasks HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(9000) + "\r\n"),
                431,
                "Request headers too large: the request line and headers together are limited to 8192 bytes.");
    }

    // ---- the request line's version ----------------------------------------------------------------------------

    @Test
    void requestLineWithoutAVersionGives400() {
        RawHttp.Response r = http().exchange("GET /v2/tasks\r\n\r\n".getBytes(StandardCharsets.US_ASCII), true);
        assertPlain(r, 400, "Unsupported HTTP version (HTTP/0.9 not supported): Loupe answers HTTP/1.0 and HTTP/1.1.");
    }

    @Test
    void http09Gives400() {
        assertPlain(
                send("GET /v2/tasks HTTP/0.9\r\nHost: h\r\n"),
                400,
                "Unsupported HTTP version (Unsupported Version): Loupe answers HTTP/1.0 and HTTP/1.1.");
    }

    @Test
    void unknownVersionGives400() {
        assertPlain(
                send("GET /v2/tasks HTTP/1.2\r\nHost: h\r\n"),
                400,
                "Unsupported HTTP version (Unknown Version): Loupe answers HTTP/1.0 and HTTP/1.1.");
    }

    // ---- framing headers ---------------------------------------------------------------------------------------

    @Test
    void duplicateHostGives400() {
        assertMalformed(send("GET /v2/tasks HTTP/1.1\r\nHost: a\r\nHost: b\r\n"));
    }

    @Test
    void badContentLengthGives400() {
        assertMalformed(send("POST /v2/tasks HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n"));
        assertMalformed(send("POST /v2/tasks HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n"));
    }

    @Test
    void badContentLengthOnAnyMethodHasABody() {
        // Jetty's own handler writes a page for GET, POST and HEAD only; a PUT got an empty body and no type.
        for (String method : new String[] {"PUT", "PATCH", "DELETE", "OPTIONS"}) {
            assertMalformed(send(method + " /v2/tasks/x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n"));
        }
    }

    @Test
    void badTransferEncodingGives400() {
        assertMalformed(send("POST /v2/tasks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: bogus\r\n"));
        assertMalformed(send("PUT /v2/tasks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n"));
        assertMalformed(
                send("POST /v2/tasks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n"));
    }

    @Test
    void headRefusalHasNoBodyButARequestId() {
        // A request Jetty cannot parse has no method yet; one refused after parsing is known to be a HEAD.
        for (String target : new String[] {"/v2/tasks/..;/", "/v2/tasks/a%u0041"}) {
            RawHttp.Response r = send("HEAD " + target + " HTTP/1.1\r\nHost: h\r\n");
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.header("x-openstack-request-id")).as(r.toString()).startsWith("req-");
            assertThat(r.body()).as(r.toString()).isEmpty();
        }
    }

    // ---- bodies that end early ---------------------------------------------------------------------------------

    static final String CONTENT_ENDED_EARLY = "Request body ended early: the connection closed before the bytes its"
            + " Content-Length announced had arrived.";
    static final String CHUNKS_ENDED_EARLY = "Chunked request body ended early or is malformed: the connection closed"
            + " before the last chunk, or a chunk size is not hexadecimal.";

    /** POST /v2/tasks with {@code framing} (headers) and {@code body}, then the end of the stream. */
    private static RawHttp.Response postThenHalfClose(String framing, String body) {
        String request = "POST /v2/tasks HTTP/1.1\r\nHost: h\r\n" + identity(ADMIN_A) + "Accept: application/json\r\n"
                + "Content-Type: application/json\r\n" + framing + "Connection: close\r\n\r\n" + body;
        try (LogCapture log = LogCapture.errors()) {
            RawHttp.Response r = http().exchange(request.getBytes(StandardCharsets.ISO_8859_1), true);
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.header("Content-Type")).as(r.toString()).startsWith("application/json");
            assertThat(r.header("x-openstack-request-id")).as(r.toString()).startsWith("req-");
            assertThat(log.events()).as("ERROR logged for %s", r).isEmpty();
            return r;
        }
    }

    @Test
    void bodyShorterThanItsContentLengthGives400() {
        RawHttp.Response r = postThenHalfClose("Content-Length: 100\r\n", "{\"type\": \"import\", ");
        assertThat(r.errorMessage()).isEqualTo(CONTENT_ENDED_EARLY);
    }

    @Test
    void chunkSizeThatIsNotHexGives400() {
        RawHttp.Response r = postThenHalfClose("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n");
        assertThat(r.errorMessage()).isEqualTo(CHUNKS_ENDED_EARLY);
    }

    @Test
    void chunkSizeLargerThanTheBodyGives400() {
        RawHttp.Response r = postThenHalfClose("Transfer-Encoding: chunked\r\n", "ffffffffffff\r\n{}\r\n0\r\n\r\n");
        assertThat(r.errorMessage()).isEqualTo(CHUNKS_ENDED_EARLY);
    }

    @Test
    void chunkedBodyWithoutItsLastChunkGives400() {
        RawHttp.Response r = postThenHalfClose("Transfer-Encoding: chunked\r\n", "2\r\n{\"\r\n5\r\ntype\"\r\n");
        assertThat(r.errorMessage()).isEqualTo(CHUNKS_ENDED_EARLY);
    }
}
