package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code PUT /v2/images/{id}/file} as Glance 25.1 answers it (docs/upstream/glance-25.1-images-write.md §4, §4b):
 * 204, the image active with size, md5, sha512 and the inspected virtual size; refusals and their messages. Where
 * Loupe refuses unsafe content that Glance 25.1 stores (a qcow2 with a backing file, a qcow2 declared raw), the
 * test says so. A refused or failed upload leaves the image queued and nothing in the store.
 */
class ImageUploadIT {

    static final Map<String, String> MEMBER_B = Client.identity("member-b", "proj-b", "member");
    static final String OCTET = "application/octet-stream";

    @TempDir
    static Path dir;

    static LoupeServer server;
    static LoupeServer capped;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir.resolve("main"));
        capped = LoupeServer.start(dir.resolve("capped"), "DEFAULT.image_size_cap=65536");
    }

    @AfterAll
    static void stop() {
        capped.close();
        server.close();
    }

    static String create(LoupeServer on, Map<String, String> who, String body) {
        return ok(on.client().post("/v2/images", asJson(who), body), 201)
                .get("id")
                .asText();
    }

    static String queued(String diskFormat) {
        return create(server, ADMIN_A, "{\"disk_format\": \"" + diskFormat + "\", \"container_format\": \"bare\"}");
    }

    static HttpResponse<String> upload(LoupeServer on, Map<String, String> who, String id, String type, byte[] data) {
        Map<String, String> headers = with(asJson(who), "Content-Type", type);
        return raw(
                on.baseUrl(),
                "PUT",
                "/v2/images/" + id + "/file",
                headers,
                HttpRequest.BodyPublishers.ofByteArray(data));
    }

    static HttpResponse<String> upload(String id, byte[] data) {
        return upload(server, ADMIN_A, id, OCTET, data);
    }

    static JsonNode show(LoupeServer on, String id) {
        return ok(on.client().get("/v2/images/" + id, ADMIN_A), 200);
    }

    static HttpResponse<byte[]> download(String id) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/v2/images/" + id + "/file"));
        ADMIN_A.forEach(request::header);
        try {
            return java.net.http.HttpClient.newHttpClient()
                    .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    static byte[] fixture(String name) {
        try (InputStream in = ImageUploadIT.class.getResourceAsStream("/formats/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nothing of the image is in the data dir's image store. */
    static void assertNothingStored(LoupeServer on, String id) {
        Path images = on.dataDir().resolve("images");
        if (!Files.exists(images)) {
            return;
        }
        try (Stream<Path> files = Files.walk(images)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertQueued(LoupeServer on, String id) {
        JsonNode image = show(on, id);
        assertThat(image.get("status").asText()).isEqualTo("queued");
        assertThat(image.get("size").isNull()).isTrue();
        assertThat(image.get("checksum").isNull()).isTrue();
        assertNothingStored(on, id);
    }

    @Test
    void uploadMakesTheImageActiveWithItsDigests() {
        byte[] data = random(1048583);
        String id = queued("raw");
        HttpResponse<String> r = upload(id, data);
        assertStatus(r, 204);
        assertThat(r.body()).isEmpty();
        JsonNode image = show(server, id);
        assertThat(image.get("status").asText()).isEqualTo("active");
        assertThat(image.get("size").asLong()).isEqualTo(1048583);
        assertThat(image.get("virtual_size").asLong()).isEqualTo(1048583);
        assertThat(image.get("checksum").asText()).isEqualTo(hex("MD5", data));
        assertThat(image.get("os_hash_algo").asText()).isEqualTo("sha512");
        assertThat(image.get("os_hash_value").asText()).isEqualTo(hex("SHA-512", data));

        HttpResponse<byte[]> download = download(id);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(data);

        assertJsonError(upload(id, data), 409, "Image status transition from active to saving is not allowed");
        assertThat(show(server, id).get("checksum").asText()).isEqualTo(hex("MD5", data));
    }

    @Test
    void chunkedUploadWithoutContentLength() {
        byte[] data = random(3 * 1048576 + 5);
        String id = queued("raw");
        HttpResponse<String> r = raw(
                server.baseUrl(),
                "PUT",
                "/v2/images/" + id + "/file",
                with(asJson(ADMIN_A), "Content-Type", OCTET),
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data)));
        assertStatus(r, 204);
        JsonNode image = show(server, id);
        assertThat(image.get("size").asLong()).isEqualTo(data.length);
        assertThat(image.get("checksum").asText()).isEqualTo(hex("MD5", data));
    }

    @Test
    void zeroBytes() {
        String id = queued("raw");
        assertStatus(upload(id, new byte[0]), 204);
        JsonNode image = show(server, id);
        assertThat(image.get("status").asText()).isEqualTo("active");
        assertThat(image.get("size").asLong()).isZero();
        assertThat(image.get("checksum").asText()).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
        assertThat(image.get("virtual_size").isNull()).isTrue();
    }

    @Test
    void onlyOctetStream() {
        String id = queued("raw");
        assertJsonError(
                upload(server, ADMIN_A, id, "application/json", random(10)),
                415,
                "The request media type application/json is not supported by this server.");
        assertQueued(server, id);
    }

    @Test
    void formatsMustBeSetFirst() {
        String id = create(server, ADMIN_A, "{\"name\": \"noformat\"}");
        assertJsonError(
                upload(id, "hello".getBytes()),
                400,
                "Properties disk_format, container_format must be set prior to saving data.");
        assertQueued(server, id);
        String half = create(server, ADMIN_A, "{\"disk_format\": \"raw\"}");
        assertJsonError(
                upload(half, "hello".getBytes()), 400, "Property container_format must be set prior to saving data.");
    }

    @Test
    void whoMayUpload() {
        String id = create(
                server,
                MEMBER_A,
                "{\"disk_format\": \"raw\", \"container_format\": \"bare\", \"visibility\": \"private\"}");
        assertJsonError(upload(server, MEMBER_B, id, OCTET, new byte[] {1}), 404, "No image found with ID " + id);
        String unknown = "00000000-0000-4000-8000-00000000dead";
        assertJsonError(upload(unknown, new byte[] {1}), 404, "No image found with ID " + unknown);
        String shown = create(
                server,
                ADMIN_A,
                "{\"disk_format\": \"raw\", \"container_format\": \"bare\", \"visibility\": \"public\"}");
        assertJsonError(upload(server, READER_B, shown, OCTET, new byte[] {1}), 403, "You do not own this image");
        assertStatus(upload(server, MEMBER_A, id, OCTET, new byte[] {1}), 204);
    }

    @Test
    void qcow2IsInspected() {
        String id = queued("qcow2");
        assertStatus(upload(id, fixture("qcow2-v3.qcow2")), 204);
        JsonNode image = show(server, id);
        assertThat(image.get("virtual_size").asLong()).isEqualTo(1048576);
        assertThat(image.get("size").asLong()).isEqualTo(196616);
    }

    @Test
    void opaqueBytesAreStoredUnderAnyFormatAsGlanceStoresThem() {
        for (String format : new String[] {"qcow2", "vmdk", "vhd", "ami", "iso"}) {
            String id = queued(format);
            assertStatus(upload(id, random(4096)), 204);
            JsonNode image = show(server, id);
            assertThat(image.get("status").asText()).as(format).isEqualTo("active");
            if (!format.equals("ami")) {
                assertThat(image.get("virtual_size").isNull()).as(format).isTrue();
            }
        }
    }

    /** Glance 25.1 stores both (204, active); Loupe refuses them as its imports do (C11). */
    @Test
    void unsafeContentIsRefusedAndLeavesNothing() {
        String backing = queued("qcow2");
        assertJsonError(
                upload(backing, fixture("qcow2-backing.qcow2")), 400, "qcow2 image has a backing file; refused");
        assertQueued(server, backing);
        String declaredRaw = queued("raw");
        assertJsonError(
                upload(declaredRaw, fixture("qcow2-v3.qcow2")),
                400,
                "Image content is qcow2 but disk_format says raw; refused");
        assertQueued(server, declaredRaw);
        // The image can take a proper upload afterwards.
        assertStatus(upload(backing, fixture("qcow2-v3.qcow2")), 204);
        assertThat(show(server, backing).get("status").asText()).isEqualTo("active");
    }

    @Test
    void theSizeCapRefusesWithAnnouncedLengthAndWhileStreaming() {
        String announced = create(capped, ADMIN_A, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        HttpResponse<String> r = upload(capped, ADMIN_A, announced, OCTET, random(65537));
        assertThat(jsonError(r, 413)).startsWith("The incoming image is too large");
        assertQueued(capped, announced);

        String streamed = create(capped, ADMIN_A, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        byte[] data = random(3 * 65536);
        HttpResponse<String> chunked = raw(
                capped.baseUrl(),
                "PUT",
                "/v2/images/" + streamed + "/file",
                with(asJson(ADMIN_A), "Content-Type", OCTET),
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data)));
        assertThat(jsonError(chunked, 413)).startsWith("The incoming image is too large");
        assertQueued(capped, streamed);

        String fits = create(capped, ADMIN_A, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        assertStatus(upload(capped, ADMIN_A, fits, OCTET, random(65536)), 204);
    }

    @Test
    void aClientThatGoesAwayLeavesTheImageQueued() {
        String id = queued("raw");
        java.util.concurrent.atomic.AtomicReference<String> midway =
                new java.util.concurrent.atomic.AtomicReference<>();
        InputStream failing = new InputStream() {
            private int sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent > 2 * 1048576) {
                    // Once the server has taken the first chunks, the image is being saved; then the client quits.
                    Await.until(
                            Duration.ofSeconds(20),
                            () -> show(server, id).get("status").asText().equals("saving"),
                            "the image is saving");
                    midway.set("saving");
                    throw new IOException("client gives up");
                }
                int n = Math.min(len, 65536);
                sent += n;
                return n;
            }
        };
        try {
            raw(
                    server.baseUrl(),
                    "PUT",
                    "/v2/images/" + id + "/file",
                    with(asJson(ADMIN_A), "Content-Type", OCTET),
                    HttpRequest.BodyPublishers.ofInputStream(() -> failing));
        } catch (UncheckedIOException expected) {
            // the client's own request fails
        }
        Await.until(
                Duration.ofSeconds(20),
                () -> show(server, id).get("status").asText().equals("queued"),
                "the image is queued again");
        assertThat(midway.get()).isEqualTo("saving");
        assertQueued(server, id);
    }
}
