package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static dev.loupe.testing.ImageFixtures.NewImage.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.ImageFixtures.NewImage;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v2/images/{id}/file}: the data streamed from the store with upstream's headers (image_data.py
 * ResponseSerializer.download), single byte ranges as webob parses them, 204 for an image without data.
 */
class ImageDownloadIT {

    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final byte[] DATA = NewImage.pattern(10_000);

    @TempDir
    static Path dir;

    static LoupeServer server;
    static ImageFixtures rows;
    static Image image;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir);
        rows = new ImageFixtures(dir);
        image = rows.insert(image().data(DATA));
    }

    @AfterAll
    static void stop() {
        rows.close();
        server.close();
    }

    static HttpResponse<byte[]> download(String id, Map<String, String> who, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/v2/images/" + id + "/file"))
                .GET();
        who.forEach(request::header);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> asText(HttpResponse<byte[]> r) {
        return new TextResponse(r);
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    // ---- whole image ------------------------------------------------------------------------------------------------

    @Test
    void wholeImageComesWithLengthTypeAndTheMd5OfItsBytes() throws Exception {
        HttpResponse<byte[]> r = download(image.id(), MEMBER_A);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(DATA);
        assertThat(header(r, "Content-Type")).isEqualTo("application/octet-stream");
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(DATA.length));
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(r.body()));
        assertThat(header(r, "Content-MD5")).isEqualTo(md5).isEqualTo(image.checksum());
        assertThat(header(r, "Content-Range")).isNull();
        assertThat(header(r, "x-openstack-request-id")).startsWith("req-");
    }

    @Test
    void dataIsNeverCompressedAndAlwaysHasItsLength() {
        HttpResponse<byte[]> r = download(image.id(), MEMBER_A, "Accept-Encoding", "gzip, br, zstd");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "Content-Encoding")).isNull();
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(DATA.length));
        assertThat(r.body()).isEqualTo(DATA);
    }

    @Test
    void largeImageStreamsWhole() throws Exception {
        byte[] big = NewImage.pattern(24 * 1024 * 1024 + 17);
        Image large = rows.insert(image().data(big));
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/v2/images/" + large.id() + "/file"))
                .headers(flatten(MEMBER_A))
                .GET()
                .build();
        HttpResponse<InputStream> r = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                md5.update(buffer, 0, n);
                total += n;
            }
        }
        assertThat(total).isEqualTo(big.length);
        assertThat(HexFormat.of().formatHex(md5.digest())).isEqualTo(large.checksum());
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(big.length));
    }

    @Test
    void shortStoredDataIsNeverSentAsAWholeImage() throws Exception {
        Image cut = rows.insert(image().data(NewImage.pattern(200_000)));
        try (FileChannel file = FileChannel.open(rows.file(cut), StandardOpenOption.WRITE)) {
            file.truncate(100_000);
        }
        assertThatThrownBy(() -> download(cut.id(), MEMBER_A)).isInstanceOf(UncheckedIOException.class);
        // The server is still fine afterwards.
        assertThat(download(image.id(), MEMBER_A).body()).isEqualTo(DATA);
    }

    // ---- ranges -----------------------------------------------------------------------------------------------------

    @Test
    void singleRangeGives206WithContentRange() {
        HttpResponse<byte[]> r = download(image.id(), MEMBER_A, "Range", "bytes=10-19");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(DATA, 10, 20));
        assertThat(header(r, "Content-Range")).isEqualTo("bytes 10-19/10000");
        assertThat(header(r, "Content-Length")).isEqualTo("10");
        assertThat(header(r, "Content-Type")).isEqualTo("application/octet-stream");
        // The whole image's md5 does not describe a part of it.
        assertThat(header(r, "Content-MD5")).isNull();
    }

    @Test
    void openEndedSuffixAndOverlongRanges() {
        HttpResponse<byte[]> from = download(image.id(), MEMBER_A, "Range", "bytes=9990-");
        assertThat(from.statusCode()).isEqualTo(206);
        assertThat(from.body()).isEqualTo(Arrays.copyOfRange(DATA, 9990, 10000));
        assertThat(header(from, "Content-Range")).isEqualTo("bytes 9990-9999/10000");

        HttpResponse<byte[]> suffix = download(image.id(), MEMBER_A, "Range", "bytes=-5");
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(DATA, 9995, 10000));
        assertThat(header(suffix, "Content-Range")).isEqualTo("bytes 9995-9999/10000");

        // webob: a suffix as long as the data or longer is all of it; an end past the data stops at its end.
        HttpResponse<byte[]> longSuffix = download(image.id(), MEMBER_A, "Range", "bytes=-20000");
        assertThat(longSuffix.statusCode()).isEqualTo(206);
        assertThat(longSuffix.body()).isEqualTo(DATA);
        assertThat(header(longSuffix, "Content-Range")).isEqualTo("bytes 0-9999/10000");

        HttpResponse<byte[]> past = download(image.id(), MEMBER_A, "Range", "bytes=5000-99999999999999999999999");
        assertThat(past.statusCode()).isEqualTo(206);
        assertThat(past.body()).isEqualTo(Arrays.copyOfRange(DATA, 5000, 10000));
        assertThat(header(past, "Content-Range")).isEqualTo("bytes 5000-9999/10000");

        HttpResponse<byte[]> oneByte = download(image.id(), MEMBER_A, "Range", "Bytes = 0 - 0");
        assertThat(oneByte.statusCode()).isEqualTo(206);
        assertThat(oneByte.body()).containsExactly(DATA[0]);
    }

    @Test
    void unsatisfiableRangesGive416() {
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Range", "bytes=10000-")),
                416,
                "Invalid start position in Range header. Start position MUST be in the inclusive range [0, 9999].");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Range", "bytes=20-10")), 416, "Invalid Range header.");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Range", "items=0-1")), 416, "Invalid Range header.");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Range", "bytes=-")), 416, "Invalid Range header.");
        assertJsonError(asText(download(image.id(), asJson(MEMBER_A), "Range", "")), 416, "Invalid Range header.");
    }

    @Test
    void multipleRangesGive400() {
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Range", "bytes=0-1,5-6")),
                400,
                "Requests with multiple ranges are not supported in Glance. You may make multiple single-range"
                        + " requests instead.");
    }

    @Test
    void contentRangeRequestHeaderIsHonouredAsUpstreamDoes() {
        HttpResponse<byte[]> r = download(image.id(), MEMBER_A, "Content-Range", "bytes 100-199/10000");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(DATA, 100, 200));
        assertThat(header(r, "Content-Range")).isEqualTo("bytes 100-199/10000");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Content-Range", "bytes 100-20000/*")),
                416,
                "Invalid stop position in Content-Range header. The stop position MUST be in the inclusive range"
                        + " [0, 9999].");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Content-Range", "bytes */10000")),
                416,
                "Invalid Content-Range header.");
        assertJsonError(
                asText(download(image.id(), asJson(MEMBER_A), "Content-Range", "bytes 5-1/10")),
                416,
                "Invalid Content-Range header.");
    }

    // ---- no data, not visible -----------------------------------------------------------------------------------

    @Test
    void imageWithoutDataGives204() {
        for (ImageStatus status : new ImageStatus[] {ImageStatus.QUEUED, ImageStatus.SAVING}) {
            Image empty = rows.insert(image().status(status));
            HttpResponse<byte[]> r = download(empty.id(), MEMBER_A);
            assertThat(r.statusCode()).as(status.wire()).isEqualTo(204);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "Content-MD5")).isNull();
            assertThat(header(r, "Content-Type")).isNull();
            // Upstream reads no Range before it finds there is no data.
            assertThat(download(empty.id(), MEMBER_A, "Range", "bytes=5-1").statusCode())
                    .isEqualTo(204);
        }
    }

    @Test
    void dataMissingFromTheStoreGives204AsUpstream() throws IOException {
        Image lost = rows.insert(image());
        Files.delete(rows.file(lost));
        HttpResponse<byte[]> r = download(lost.id(), MEMBER_A);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void emptyImageDownloadsAsZeroBytes() {
        Image empty = rows.insert(image().data(new byte[0]));
        HttpResponse<byte[]> r = download(empty.id(), MEMBER_A);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "Content-Length")).isEqualTo("0");
        assertThat(header(r, "Content-MD5")).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    }

    @Test
    void invisibleUnknownOrDeletedImageGives404() {
        assertJsonError(asText(download(image.id(), asJson(READER_B))), 404, "No image found with ID " + image.id());
        String unknown = "00000000-0000-0000-0000-000000000000";
        assertJsonError(asText(download(unknown, asJson(ADMIN_A))), 404, "No image found with ID " + unknown);
        Image gone = rows.insert(image());
        assertThat(server.client()
                        .send("DELETE", "/v2/images/" + gone.id(), ADMIN_A, null)
                        .statusCode())
                .isEqualTo(204);
        assertJsonError(asText(download(gone.id(), asJson(ADMIN_A))), 404, "No image found with ID " + gone.id());
    }

    @Test
    void publicImageDownloadsForAnyone() {
        Image shared = rows.insert(image().visibility("public").owner("proj-a"));
        assertThat(download(shared.id(), READER_B).body()).isEqualTo(NewImage.pattern(1024));
    }

    @Test
    void bodyOnDownloadGives400() {
        HttpResponse<String> r =
                server.client().send("GET", "/v2/images/" + image.id() + "/file", asJson(ADMIN_A), "x");
        assertJsonError(r, 400, "A body is not expected with this request.");
    }

    @Test
    void downloadImagePolicyRefusalIs403() {
        Path policyDir = dir.resolve("policy-download");
        try (LoupeServer strict = LoupeServer.start(policyDir, policy(dir, "download_image: \"role:admin\"\n"));
                ImageFixtures strictRows = new ImageFixtures(policyDir)) {
            Image mine = strictRows.insert(image());
            HttpResponse<String> r = strict.client().get("/v2/images/" + mine.id() + "/file", asJson(MEMBER_A));
            assertJsonError(r, 403, "You are not authorized to complete download_image action.");
            assertThat(strict.client()
                            .get("/v2/images/" + mine.id() + "/file", ADMIN_A)
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    private static String[] flatten(Map<String, String> headers) {
        return headers.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                .toArray(String[]::new);
    }

    /** A binary response read as text, for the error assertions. */
    private record TextResponse(HttpResponse<byte[]> raw) implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return raw.statusCode();
        }

        @Override
        public HttpRequest request() {
            return raw.request();
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return raw.headers();
        }

        @Override
        public String body() {
            return new String(raw.body(), java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return raw.sslSession();
        }

        @Override
        public URI uri() {
            return raw.uri();
        }

        @Override
        public HttpClient.Version version() {
            return raw.version();
        }
    }
}
