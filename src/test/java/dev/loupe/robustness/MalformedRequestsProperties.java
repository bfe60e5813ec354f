package dev.loupe.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.Client;
import dev.loupe.testing.LogCapture;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever arrives, Loupe answers it without a server error, and every refusal says why and carries a request id.
 * One in-process server serves the whole run; requests go over a raw socket so that bodies that are not UTF-8,
 * missing Content-Types, chunked bodies and broken %-escapes reach the server exactly as generated, and so do
 * requests that break HTTP itself (request lines, header sizes, framing headers, bodies that end early).
 *
 * <p>Only loopback hosts are allowed as import sources here, so no task created by this run can ever lead a worker
 * to fetch from anywhere but this machine.
 */
class MalformedRequestsProperties {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    private static final int MAX_BODY = 65536;

    private static Path dataDir;
    private static LoupeServer server;
    private static RawHttp http;
    /** Ids of tasks that exist, used as list markers. */
    private static final List<String> TASK_IDS = new ArrayList<>();

    @BeforeContainer
    static void startServer() throws IOException {
        dataDir = Files.createTempDirectory("loupe-robustness");
        server = LoupeServer.start(dataDir, "import_filtering_opts.allowed_hosts=[127.0.0.1, localhost, ::1]");
        http = new RawHttp(server.port());
        for (int i = 0; i < 12; i++) {
            Map<String, String> who = i % 3 == 2 ? Client.ADMIN_B : ADMIN;
            RawHttp.Response created = http.send(
                    "POST",
                    "/v2/tasks",
                    headers(who, "application/json", null, null),
                    ("{\"type\": \"import\", \"input\": {\"import_from\": \"http://127.0.0.1/seed-" + i
                                    + ".raw\", \"import_from_format\": \"raw\"}}")
                            .getBytes(StandardCharsets.UTF_8),
                    false);
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            TASK_IDS.add(JSON.readTree(created.body()).get("id").textValue());
        }
    }

    @AfterContainer
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Properties

    @Property(tries = 1200, shrinking = ShrinkingMode.OFF)
    void createNeverAnswersWithAServerError(@ForAll("createRequests") CreateRequest request) {
        RawHttp.Response response;
        try {
            response = http.send("POST", "/v2/tasks", request.headers(), request.body(), request.chunked());
        } catch (java.io.UncheckedIOException e) {
            throw new AssertionError(e.getMessage() + "\n" + request, e);
        }
        Statistics.label("create answers").collect(response.status());
        Statistics.label("create kinds").collect(request.kind());
        assertSane(response, Set.of(201, 400, 413, 415, 431), request.toString());
        if (response.status() == 201) {
            JsonNode task = parse(response, request.toString());
            assertThat(task.path("id").textValue()).as(request.toString()).matches("[0-9a-f-]{36}");
            assertThat(task.path("self").textValue())
                    .isEqualTo("/v2/tasks/" + task.get("id").textValue());
        }
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void bodiesThatAreNotUtf8AreRefusedWith400(
            @ForAll("notUtf8Bodies") byte[] body, @ForAll("jsonOrNoContentType") String contentType) {
        RawHttp.Response response = http.send(
                "POST",
                "/v2/tasks",
                headers(ADMIN, contentType.isEmpty() ? null : contentType, null, null),
                body,
                false);
        String what = "not UTF-8: " + HexFormat.of().formatHex(body);
        assertSane(response, Set.of(400), what);
        assertThat(response.errorMessage()).as(what).isEqualTo("Malformed JSON in request body.");
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF)
    void truncatedJsonIsMalformed(
            @ForAll("truncatedBodies") String body, @ForAll("jsonOrNoContentType") String contentType) {
        RawHttp.Response response = http.send(
                "POST",
                "/v2/tasks",
                headers(ADMIN, contentType.isEmpty() ? null : contentType, "application/json", null),
                body.getBytes(StandardCharsets.UTF_8),
                false);
        String what = "truncated: " + body;
        assertSane(response, Set.of(400), what);
        assertThat(response.errorMessage())
                .as(what)
                .isEqualTo(body.isEmpty() ? "Body expected in request." : "Malformed JSON in request body.");
    }

    @Property(tries = 1200, shrinking = ShrinkingMode.OFF)
    void listNeverAnswersWithAServerError(@ForAll("queries") String query, @ForAll("accepts") String accept) {
        String target = "/v2/tasks" + (query.isEmpty() ? "" : "?" + query);
        RawHttp.Response response = http.send("GET", target, headers(ADMIN, null, accept, null), null, false);
        String refusal = response.status() == 200
                ? ""
                : String.valueOf(response.errorMessage()).replaceAll("(?s)(:| id ).*", "$1…");
        Statistics.label("list answers").collect(response.status(), refusal);
        assertSane(response, Set.of(200, 400), "GET " + target);
        if (response.status() == 200) {
            JsonNode page = parse(response, target);
            assertThat(page.path("tasks").isArray()).as(target).isTrue();
            assertThat(page.path("first").textValue()).as(target).startsWith("/v2/tasks");
            assertThat(page.path("schema").textValue()).isEqualTo("/v2/schemas/tasks");
        }
    }

    /**
     * Requests that break HTTP itself (the request line, the headers, the framing of the body, a body that ends
     * early) are refused as the client's fault (below 500, nothing logged at ERROR), in Loupe's error format: a
     * body, a Content-Type that is not HTML, a request id.
     */
    @Property(tries = 600, shrinking = ShrinkingMode.OFF)
    void brokenRequestsAreRefusedInLoupesFormat(@ForAll("brokenRequests") BrokenRequest request) {
        RawHttp.Response response;
        List<String> errorsLogged;
        try (LogCapture log = LogCapture.errors()) {
            response = http.exchange(request.bytes(), request.halfClose());
            errorsLogged = log.events();
        } catch (java.io.UncheckedIOException e) {
            throw new AssertionError(e.getMessage() + "\n" + request, e);
        }
        Statistics.label("broken kinds").collect(request.kind(), response.status());
        String context = request + "\n→ " + response;
        assertThat(errorsLogged).as("logged at ERROR: " + context).isEmpty();
        assertThat(response.status()).as(context).isLessThan(500).isIn(request.expected());
        assertThat(response.header("x-openstack-request-id"))
                .as(context)
                .isNotBlank()
                .startsWith("req-")
                .hasSizeLessThanOrEqualTo("req-".length() + 64);
        assertThat(response.header("Content-Type")).as(context).isNotBlank().doesNotContainIgnoringCase("html");
        assertThat(response.body()).as(context).isNotEmpty();
        // The message may echo the request (a schema error quotes the value given); markup it must never be.
        assertThat(response.errorMessage())
                .as(context)
                .isNotBlank()
                .doesNotContainIgnoringCase("<html")
                .doesNotContainIgnoringCase("<br");
    }

    /** A request id over 64 characters is refused with 431, and the answer carries a new id, never the long one. */
    @Property(tries = 200, shrinking = ShrinkingMode.OFF)
    void requestIdsOverTheLimitAreNeverEchoed(
            @ForAll("longRequestIds") String requestId, @ForAll("accepts") String accept, @ForAll boolean create) {
        List<RawHttp.Header> headers = headers(ADMIN, null, accept.isEmpty() ? null : accept, requestId);
        RawHttp.Response response = create
                ? http.send(
                        "POST", "/v2/tasks", headers, "{\"type\": \"import\"}".getBytes(StandardCharsets.UTF_8), false)
                : http.send(
                        "GET",
                        "/v2/tasks/" + Json.pick(new Random(requestId.hashCode()), TASK_IDS),
                        headers,
                        null,
                        false);
        String what = "request id of " + requestId.length() + " characters: " + requestId;
        assertSane(response, Set.of(431), what);
        assertThat(response.header("x-openstack-request-id")).as(what).doesNotContain(requestId);
    }

    @Provide
    Arbitrary<String> longRequestIds() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(65).ofMaxLength(400);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Inputs that once made Loupe fail, pinned as examples (the generators produce them too)

    /** Numbers whose exponent overflows an int are read (as 0.0 or infinity), not answered with a 500. */
    @Example
    void numbersWithAnOverflowingExponent() {
        for (String number : Json.EXPONENT_OVERFLOW) {
            for (String body : List.of(
                    "{\"type\": \"import\", \"input\": {}, \"result\": " + number + "}",
                    "{\"type\": \"api_image_import\", \"input\": {\"x\": " + number + "}}",
                    "[" + number + "]")) {
                RawHttp.Response response = http.send(
                        "POST",
                        "/v2/tasks",
                        headers(ADMIN, "application/json", null, null),
                        body.getBytes(StandardCharsets.UTF_8),
                        false);
                assertSane(response, Set.of(201, 400), body);
            }
        }
    }

    /** NaN and infinities in enum-checked members ({@code type}, {@code status}) fail the schema with a 400. */
    @Example
    void nonFiniteNumbersInEnumMembers() {
        for (String body : List.of(
                "{\"type\": NaN, \"input\": {}}",
                "{\"type\": [-Infinity], \"input\": {}}",
                "{\"type\": \"import\", \"input\": {}, \"status\": Infinity}")) {
            RawHttp.Response response = http.send(
                    "POST",
                    "/v2/tasks",
                    headers(ADMIN, "application/json", null, null),
                    body.getBytes(StandardCharsets.UTF_8),
                    false);
            assertSane(response, Set.of(400), body);
        }
    }

    /** An exponent in the millions or more, in an enum-checked member, is refused with a 400 within 3 s. */
    @Example
    void hugeExponentsAreAnsweredAtOnce() {
        RawHttp quick = new RawHttp(server.port(), 3_000);
        for (String number : Json.HUGE_EXPONENT) {
            for (String body : List.of(
                    "{\"type\": " + number + ", \"input\": null}",
                    "{\"type\": \"import\", \"input\": null, \"status\": " + number + "}")) {
                RawHttp.Response response;
                try {
                    response = quick.send(
                            "POST",
                            "/v2/tasks",
                            headers(ADMIN, "application/json", null, null),
                            body.getBytes(StandardCharsets.UTF_8),
                            false);
                } catch (java.io.UncheckedIOException e) {
                    throw new AssertionError("no answer within 3 s to " + body, e);
                }
                assertSane(response, Set.of(400), body);
            }
        }
    }

    /**
     * A chunked body cut just after a chunk's CR, with no last chunk: Jetty's servlet stream reads it as complete,
     * so the body reader asks the connection whether the body really ended.
     */
    @Example
    void chunkedBodyCutAfterACarriageReturn() {
        String whole = "{\"type\": \"import\", \"input\": {}}";
        String text = "POST /v2/tasks HTTP/1.1\r\nHost: h\r\n" + "X-Identity-Status: Confirmed\r\nX-Roles: admin\r\n"
                + "X-User-Id: admin-a\r\nX-Project-Id: proj-a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(whole.length()) + "\r\n" + whole + "\r";
        RawHttp.Response response = http.exchange(text.getBytes(StandardCharsets.ISO_8859_1), true);
        assertSane(response, Set.of(400), text);
        assertThat(response.errorMessage()).contains("Chunked request body ended early");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks

    private static void assertSane(RawHttp.Response response, Set<Integer> expected, String what) {
        String context = what + "\n→ " + response;
        assertThat(response.status()).as(context).isLessThan(500).isIn(expected);
        assertThat(response.header("x-openstack-request-id"))
                .as(context)
                .isNotBlank()
                .startsWith("req-")
                .hasSizeLessThanOrEqualTo("req-".length() + 64);
        assertThat(response.header("Content-Type")).as(context).isNotBlank().doesNotContainIgnoringCase("html");
        if (response.status() >= 400) {
            assertThat(response.errorMessage()).as(context).isNotNull().isNotBlank();
        }
    }

    private static JsonNode parse(RawHttp.Response response, String what) {
        try {
            // From text, not bytes: Jackson's byte parser refuses escaped lone surrogates in names ("\\ude00"),
            // which are valid JSON text (and what Python's json accepts and writes).
            return JSON.readTree(response.text());
        } catch (IOException e) {
            throw new AssertionError(what + ": success body is not JSON: " + response, e);
        }
    }

    private static List<RawHttp.Header> headers(
            Map<String, String> identity, String contentType, String accept, String requestId) {
        List<RawHttp.Header> headers = new ArrayList<>();
        identity.forEach((k, v) -> headers.add(new RawHttp.Header(k, v)));
        if (contentType != null) {
            headers.add(new RawHttp.Header("Content-Type", contentType));
        }
        if (accept != null) {
            headers.add(new RawHttp.Header("Accept", accept));
        }
        if (requestId != null) {
            headers.add(new RawHttp.Header("X-Openstack-Request-Id", requestId));
        }
        return headers;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Create requests

    record CreateRequest(
            String kind, String contentType, String accept, String requestId, byte[] body, boolean chunked) {

        List<RawHttp.Header> headers() {
            return MalformedRequestsProperties.headers(ADMIN, contentType, accept, requestId);
        }

        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            return "POST /v2/tasks [" + kind + "] Content-Type=" + contentType + " Accept=" + accept
                    + " request-id=" + requestId + " chunked=" + chunked + " bytes=" + body.length + "\n"
                    + (text.length() > 600 ? text.substring(0, 600) + "…" : text);
        }
    }

    @Provide
    Arbitrary<CreateRequest> createRequests() {
        Arbitrary<Tuple.Tuple2<String, String>> body = Arbitraries.frequencyOf(
                Tuple.of(3, generated("any JSON value", r -> Json.value(r, 4))),
                Tuple.of(3, generated("random object", r -> Json.object(r, 3, Json.CREATE_KEYS))),
                Tuple.of(8, generated("task-like", Json::taskLike)),
                Tuple.of(6, generated("import", Json::importBody)),
                Tuple.of(6, generated("acceptable", Json::acceptable)),
                Tuple.of(2, generated("deep", Json::deep)),
                Tuple.of(2, generated("huge", Json::huge)),
                Tuple.of(2, generated("truncated", r -> Json.truncate(r, Json.taskLike(r)))),
                Tuple.of(2, generated("not JSON", Json::notJson)));
        Arbitrary<String> contentType = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("application/json")),
                Tuple.of(3, Arbitraries.just("")),
                Tuple.of(
                        3,
                        Arbitraries.of(
                                "application/json; charset=utf-8",
                                "application/json;charset=latin-1",
                                "APPLICATION/JSON",
                                "application/merge-patch+json",
                                "application/openstack-images-v2.1-json-patch",
                                "application/json; charset=\"utf-8\"")),
                Tuple.of(
                        2,
                        Arbitraries.of(
                                "text/plain",
                                "text/html",
                                "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=xyz",
                                "application/octet-stream",
                                "*/*",
                                "application",
                                "json",
                                ";;;",
                                "application/",
                                "/json",
                                "text/json",
                                "application/xml",
                                " ")),
                Tuple.of(
                        1,
                        Arbitraries.strings()
                                .withCharRange('!', '~')
                                .ofMinLength(1)
                                .ofMaxLength(40)));
        Arbitrary<String> accept = accepts();
        Arbitrary<String> requestId = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just("")),
                Tuple.of(
                        1,
                        Arbitraries.strings()
                                .withCharRange('!', '~')
                                .ofMinLength(1)
                                .ofMaxLength(80)));
        Arbitrary<Boolean> chunked = Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true));
        return Combinators.combine(body, contentType, accept, requestId, chunked)
                .as((b, ct, acc, id, ch) -> new CreateRequest(
                        b.get1(),
                        ct.isEmpty() ? null : ct,
                        acc.isEmpty() ? null : acc,
                        id.isEmpty() ? null : id,
                        b.get2().getBytes(StandardCharsets.UTF_8),
                        ch));
    }

    private static Arbitrary<Tuple.Tuple2<String, String>> generated(
            String kind, java.util.function.Function<Random, String> f) {
        return Arbitraries.randomValue(r -> Tuple.of(kind, f.apply(r)));
    }

    @Provide
    Arbitrary<String> jsonOrNoContentType() {
        return Arbitraries.of("", "application/json", "application/json; charset=utf-8");
    }

    @Provide
    Arbitrary<byte[]> notUtf8Bodies() {
        return Arbitraries.randomValue(r -> {
            byte[] valid = Json.taskLike(r).getBytes(StandardCharsets.UTF_8);
            byte[] bad = Json.pick(r, INVALID_UTF8);
            // Inside a string literal most of the time (where a lax decoder would let it through), anywhere else
            // otherwise.
            int at = r.nextInt(valid.length + 1);
            if (r.nextInt(4) > 0) {
                int quote = new String(valid, StandardCharsets.ISO_8859_1).indexOf('"', r.nextInt(valid.length));
                if (quote >= 0) {
                    at = quote + 1;
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(valid, 0, at);
            out.writeBytes(bad);
            out.write(valid, at, valid.length - at);
            return out.toByteArray();
        });
    }

    private static final List<byte[]> INVALID_UTF8 = List.of(
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xFE},
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xC3, 0x28},
            new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xC3},
            new byte[] {(byte) 0xE2, (byte) 0x82},
            new byte[] {(byte) 0xE9}, // Latin-1 'é'
            new byte[] {(byte) 0xA0, (byte) 0xA1});

    @Provide
    Arbitrary<String> truncatedBodies() {
        return Arbitraries.randomValue(r -> {
            String whole = (r.nextBoolean() ? Json.taskLike(r) : Json.importBody(r)).strip();
            return whole.substring(0, r.nextInt(whole.length()));
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Requests that break HTTP

    /** Bytes sent as they are; {@code halfClose} ends the stream after them (a body that ends early). */
    record BrokenRequest(String kind, byte[] bytes, boolean halfClose, Set<Integer> expected) {

        @Override
        public String toString() {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            return "[" + kind + "] halfClose=" + halfClose + " expected=" + expected + " bytes=" + bytes.length + "\n"
                    + (text.length() > 600 ? text.substring(0, 600) + "…" : text);
        }
    }

    private static final List<String> BROKEN_ESCAPES =
            List.of("%", "%z", "%zz", "%2", "%G1", "%%", "%u0041", "%U00e9", "%C3%28", "%ED%A0%80", "%C0%AF", "%E2%82");

    @Provide
    Arbitrary<BrokenRequest> brokenRequests() {
        return Arbitraries.randomValue(MalformedRequestsProperties::brokenRequest);
    }

    private static BrokenRequest brokenRequest(Random r) {
        String method = Json.pick(r, List.of("GET", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
        String headers = headerLines(r);
        return switch (r.nextInt(10)) {
            case 0 -> {
                String path = Json.pick(r, List.of("/v2/tasks/", "/v2/images/", "/v2/", "/", "/v2/tasks/x"))
                        + Json.randomChars(r, "abc019-", r.nextInt(5))
                        + Json.pick(r, BROKEN_ESCAPES)
                        // Never a hexadecimal digit right after the escape, which could complete it.
                        + Json.randomChars(r, "gxyz-_", r.nextInt(5))
                        + (r.nextInt(4) == 0 ? "/file" : "");
                yield broken("broken escape", method + " " + path + " HTTP/1.1\r\nHost: h\r\n" + headers, 400);
            }
            case 1 -> {
                String filler = "a".repeat(8200 + r.nextInt(20_000));
                String target = r.nextBoolean() ? "/v2/tasks?marker=" + filler : "/v2/tasks/" + filler;
                yield broken("long URI", method + " " + target + " HTTP/1.1\r\nHost: h\r\n" + headers, 414);
            }
            case 2 -> {
                StringBuilder big = new StringBuilder();
                if (r.nextBoolean()) {
                    big.append("X-Big: ")
                            .append("b".repeat(8200 + r.nextInt(20_000)))
                            .append("\r\n");
                } else {
                    for (int i = 0; i < 200 + r.nextInt(400); i++) {
                        big.append("X-Many-")
                                .append(i)
                                .append(": ")
                                .append("c".repeat(60))
                                .append("\r\n");
                    }
                }
                yield broken("large headers", method + " /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + big, 431);
            }
            case 3 -> {
                String line = Json.pick(
                        r,
                        List.of(
                                method + " /v2/tasks",
                                method + " /v2/tasks HTTP/0.9",
                                method + " /v2/tasks HTTP/1.2",
                                method + " /v2/tasks HTTP/3",
                                method + " /v2/tasks HTTP/1",
                                method + " /v2/tasks FOO/1.1",
                                method + " /v2/tasks HTTP/2.0"));
                yield broken("request line", line + "\r\nHost: h\r\n" + headers, 400, 426);
            }
            case 4 -> {
                String hosts = Json.pick(
                        r, List.of("Host: a\r\nHost: b\r\n", "Host: a\r\nHost: a\r\n", "Host: h\r\nhost: h:1\r\n"));
                yield broken("duplicate Host", method + " /v2/tasks HTTP/1.1\r\n" + hosts + headers, 400);
            }
            case 5 -> {
                String length = Json.pick(
                        r,
                        List.of(
                                "Content-Length: abc\r\n",
                                "Content-Length: -1\r\n",
                                "Content-Length: +2\r\n",
                                "Content-Length: 0x10\r\n",
                                "Content-Length: 2, 2\r\n",
                                "Content-Length: 1 2\r\n",
                                "Content-Length: 99999999999999999999999\r\n",
                                "Content-Length: 2\r\nContent-Length: 3\r\n"));
                yield broken(
                        "bad Content-Length",
                        method + " /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + length,
                        "{}",
                        400);
            }
            case 7 -> {
                byte[] whole = Json.taskLike(r).getBytes(StandardCharsets.UTF_8);
                int sent = r.nextInt(whole.length + 1);
                String head = "POST /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + "Content-Length: "
                        + (whole.length + 1 + r.nextInt(1000)) + "\r\n";
                yield endsEarly("short body", head, new String(whole, 0, sent, StandardCharsets.ISO_8859_1));
            }
            case 8 -> {
                String size = Json.pick(
                        r, List.of("zz", "ffffffffffff", "fffffffffffffffff", "-1", "1x", "0x2", "", " ", "2;", "2 2"));
                String head = "POST /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + "Transfer-Encoding: chunked\r\n";
                String body = (r.nextBoolean() ? "2\r\n{}\r\n" : "") + size + "\r\n{\"type\": 1}\r\n"
                        + (r.nextBoolean() ? "0\r\n\r\n" : "");
                yield endsEarly("bad chunk size", head, body);
            }
            case 9 -> {
                String whole = Json.taskLike(r);
                StringBuilder chunks = new StringBuilder();
                for (int at = 0; at < whole.length(); ) {
                    int n = Math.min(whole.length() - at, 1 + r.nextInt(40));
                    chunks.append(Integer.toHexString(n))
                            .append("\r\n")
                            .append(whole, at, at + n)
                            .append("\r\n");
                    at += n;
                }
                // Everything but the last chunk, sometimes cut inside a chunk.
                String body = chunks.substring(0, chunks.length() - r.nextInt(Math.min(chunks.length(), 8)));
                String head = "POST /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + "Transfer-Encoding: chunked\r\n";
                yield endsEarly(
                        "no last chunk",
                        head,
                        new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
            }
            default -> {
                String encoding = Json.pick(
                        r,
                        List.of(
                                "Transfer-Encoding: bogus\r\n",
                                "Transfer-Encoding: gzip\r\n",
                                "Transfer-Encoding: identity\r\n",
                                "Transfer-Encoding: chunked, gzip\r\n",
                                "Transfer-Encoding: chunked, chunked\r\n",
                                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                                "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n"));
                yield broken(
                        "bad Transfer-Encoding",
                        method + " /v2/tasks HTTP/1.1\r\nHost: h\r\n" + headers + encoding,
                        "2\r\n{}\r\n0\r\n\r\n",
                        400);
            }
        };
    }

    /** Identity, Accept and request-id headers as a client might send them with a broken request. */
    private static String headerLines(Random r) {
        StringBuilder lines = new StringBuilder();
        if (r.nextInt(4) > 0) {
            ADMIN.forEach((k, v) -> lines.append(k).append(": ").append(v).append("\r\n"));
        }
        if (r.nextBoolean()) {
            lines.append("Accept: ")
                    .append(Json.pick(r, List.of("application/json", "text/html", "*/*", "text/plain", "image/png")))
                    .append("\r\n");
        }
        if (r.nextInt(3) == 0) {
            lines.append("X-Openstack-Request-Id: req-")
                    .append(Json.randomChars(r, "abcdef0123456789-", 1 + r.nextInt(40)))
                    .append("\r\n");
        }
        return lines.toString();
    }

    /**
     * A POST whose body ends before its framing says: the stream ends after {@code body}. Without identity the
     * request is refused with 401 before the body is read.
     */
    private static BrokenRequest endsEarly(String kind, String head, String body) {
        String text = head + "Connection: close\r\n\r\n" + body;
        return new BrokenRequest(kind, text.getBytes(StandardCharsets.ISO_8859_1), true, Set.of(400, 401));
    }

    private static BrokenRequest broken(String kind, String head, int... expected) {
        return broken(kind, head, null, expected);
    }

    /** {@code head} is the request line and headers; {@code body} (or none) follows the blank line. */
    private static BrokenRequest broken(String kind, String head, String body, int... expected) {
        String text = head + "Connection: close\r\n\r\n" + (body == null ? "" : body);
        return new BrokenRequest(
                kind,
                text.getBytes(StandardCharsets.ISO_8859_1),
                false,
                java.util.Arrays.stream(expected).boxed().collect(java.util.stream.Collectors.toSet()));
    }

    // ------------------------------------------------------------------------------------------------------------
    // List queries

    private static final List<String> QUERY_KEYS = List.of(
            "limit",
            "marker",
            "sort_key",
            "sort_dir",
            "status",
            "type",
            "owner",
            "id",
            "created_at",
            "expires_at",
            "updated_at",
            "deleted",
            "deleted_at",
            "image_id",
            "user_id",
            "request_id");

    @Provide
    Arbitrary<String> queries() {
        return Arbitraries.randomValue(MalformedRequestsProperties::query);
    }

    @Provide
    Arbitrary<String> accepts() {
        return Arbitraries.of(
                "",
                "application/json",
                "*/*",
                "text/plain",
                "text/html",
                "application/json;q=0.1, text/plain",
                "text/html, application/json;q=0.9",
                "garbage/;;q=x",
                "application/*",
                "*/*;q=0");
    }

    private static String query(Random r) {
        if (r.nextInt(40) == 0) {
            // Noise made of everything a request target may carry.
            return Json.randomChars(r, "abcdefgh=&%+;:@/?!$'()*,-._~0123456789", r.nextInt(60));
        }
        int n = r.nextInt(7);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = r.nextInt(8) == 0 ? Json.text(r) : Json.pick(r, QUERY_KEYS);
            String value = queryValue(r);
            String encodedKey = encode(r, key);
            switch (r.nextInt(12)) {
                case 0 -> parts.add(encodedKey); // no '='
                case 1 -> parts.add(encodedKey + "=" + encode(r, value) + "=" + encode(r, queryValue(r)));
                case 2 -> parts.add(""); // '&&'
                default -> parts.add(encodedKey + "=" + encode(r, value));
            }
        }
        return String.join("&", parts);
    }

    private static String queryValue(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> "";
            case 1 ->
                Json.pick(
                        r,
                        List.of(
                                "0",
                                "1",
                                "5",
                                " 5 ",
                                "+3",
                                "1_0",
                                "1.5",
                                "-1",
                                "-0",
                                "1e3",
                                "NaN",
                                "0x10",
                                "٣",
                                "１２",
                                "2147483647",
                                "2147483648",
                                "99999999999999999999",
                                "-99999999999999999999",
                                "1000",
                                "1001",
                                "25",
                                "_1",
                                "1_",
                                "1__0",
                                "+-1",
                                "\t7\n",
                                "\u00a05"));
            case 2 -> marker(r);
            case 3 ->
                Json.pick(
                        r,
                        List.of(
                                "asc",
                                "desc",
                                "ASC",
                                "Desc",
                                "pending",
                                "processing",
                                "success",
                                "failure",
                                "import",
                                "api_image_import",
                                "location_import",
                                "created_at",
                                "updated_at",
                                "expires_at",
                                "id",
                                "status",
                                "type",
                                "owner",
                                "deleted",
                                "deleted_at",
                                "image_id",
                                "user_id",
                                "request_id",
                                "input",
                                "message",
                                "result",
                                "name",
                                "proj-a",
                                "proj-b",
                                "true",
                                "false",
                                "None",
                                "null"));
            case 4 ->
                Json.pick(
                        r,
                        List.of(
                                "2026-01-01T00:00:00Z",
                                "2026-01-01 00:00:00",
                                "2026-01-01T00:00:00",
                                "2026-13-45T99:99:99Z",
                                "yesterday",
                                "0000-00-00T00:00:00Z",
                                "+999999999-12-31T23:59:59",
                                "-999999999-01-01T00:00:00",
                                "2026-01-01T00:00:00.999999Z",
                                "1970-01-01T00:00:00Z"));
            case 5 -> Json.text(r);
            case 6 -> Json.randomChars(r, "%zZ0123456789abcdefABCDEF+&=", r.nextInt(12));
            case 7 -> "x".repeat(r.nextInt(1500));
            default -> Json.pick(r, TASK_IDS);
        };
    }

    private static String marker(Random r) {
        String id = r.nextBoolean() ? Json.pick(r, TASK_IDS) : UUID.randomUUID().toString();
        return switch (r.nextInt(9)) {
            case 0 -> id.toUpperCase();
            case 1 -> id.replace("-", "");
            case 2 -> "{" + id + "}";
            case 3 -> "urn:uuid:" + id;
            case 4 -> "URN:UUID:" + id;
            case 5 -> id.substring(0, r.nextInt(id.length()));
            case 6 -> id + "0";
            case 7 -> "{{" + id.replace("-", "") + "}";
            default -> id;
        };
    }

    /**
     * Encodes a query component the way a client might: fully (%-escaped UTF-8), or with the characters a request
     * target may carry left raw, sometimes with a broken escape dropped in. Never emits bytes that cannot appear in
     * a request target (space, controls, non-ASCII, '#').
     */
    private static String encode(Random r, String text) {
        String full = URLEncoder.encode(text, StandardCharsets.UTF_8);
        if (r.nextInt(3) > 0) {
            return full;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 128 && (Character.isLetterOrDigit(cp) || "-._~!$'()*,;:@/?+".indexOf(cp) >= 0)) {
                out.append((char) cp);
            } else {
                out.append(URLEncoder.encode(Character.toString(cp), StandardCharsets.UTF_8));
            }
            if (r.nextInt(15) == 0) {
                out.append(Json.pick(
                        r,
                        List.of(
                                "%",
                                "%z",
                                "%zz",
                                "%C3%28",
                                "%ED%A0%80",
                                "%FF",
                                "%00",
                                "%C0%AF",
                                "%E2%82",
                                "%25",
                                "+",
                                "%2B",
                                "%26",
                                "%3D",
                                "%%")));
            }
        }
        return out.toString();
    }
}
