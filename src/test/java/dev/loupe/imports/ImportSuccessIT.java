package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.awaitMidStream;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.files;
import static dev.loupe.imports.Imports.fixture;
import static dev.loupe.imports.Imports.input;
import static dev.loupe.imports.Imports.md5;
import static dev.loupe.imports.Imports.sha512;
import static dev.loupe.imports.Imports.stored;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Imports that work, end to end: a real Loupe with the production import handler fetches from a local HTTP source,
 * and the image is checked where it lands, in the SQLite rows and in the store's folder.
 * Expected checksums are computed here from the fixture bytes; expected virtual sizes are what qemu-img reports.
 */
class ImportSuccessIT {

    private static final long MIB = 1024 * 1024;

    @TempDir
    static Path dataDir;

    private static SourceServer source;
    private static LoupeServer loupe;
    private static Client client;

    @BeforeAll
    static void start() {
        source = SourceServer.start();
        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source));
        client = loupe.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
    }

    @AfterEach
    void noPartialFilesAndNoScratch() {
        assertThat(files(dataDir, "images")).noneMatch(f -> f.endsWith(".partial"));
        assertThat(files(dataDir, "work")).isEmpty();
    }

    /**
     * Each fixture with the disk_format it is imported as and its virtual size. The virtual sizes are what
     * {@code qemu-img info --output=json} (qemu-img 7.2) prints for the committed files, as make-fixtures.sh made them:
     * 64 KiB for the raw images, 1 MiB for qcow2 and vmdk. A VHD of 1 MiB is 1079296 bytes (qemu-img rounds up to
     * whole cylinders/heads/sectors of its CHS geometry); for vhd-fixed.vhd that is with {@code -f vpc}, since
     * qemu-img's own probing takes a fixed VHD, which has only a footer, for raw. The ISO's virtual size is its
     * length (qemu-img reads it as raw: 358400). vdi and ploop (qemu's "parallels") are 1 MiB too.
     */
    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("raw.raw", "raw", 65_536L),
                Arguments.of("gpt.img", "raw", 65_536L),
                Arguments.of("qcow2-v3.qcow2", "qcow2", 1_048_576L),
                Arguments.of("qcow2-v2.qcow2", "qcow2", 1_048_576L),
                Arguments.of("vmdk-sparse.vmdk", "vmdk", 1_048_576L),
                Arguments.of("vmdk-stream.vmdk", "vmdk", 1_048_576L),
                Arguments.of("vhd-dynamic.vhd", "vhd", 1_079_296L),
                Arguments.of("vhd-fixed.vhd", "vhd", 1_079_296L),
                Arguments.of("iso.iso", "iso", 358_400L),
                Arguments.of("vdi.vdi", "vdi", 1_048_576L),
                Arguments.of("ploop.hds", "ploop", 1_048_576L));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("fixtures")
    void aFixtureIsImportedAsAnActiveImage(String fixture, String diskFormat, long virtualSize) throws Exception {
        byte[] bytes = fixture(fixture);
        String path = "/" + fixture;
        source.serve(path, bytes);
        String taskId =
                create(client, input(source.url(path), """
                {"name": "%s", "disk_format": "%s", "container_format": "bare", "visibility": "private",
                 "min_disk": 1, "min_ram": 64, "tags": ["e2e", "%s", "e2e"],
                 "hw_disk_bus": "virtio", "source_fixture": "%s"}
                """.formatted(fixture, diskFormat, diskFormat, fixture)));

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.name()).isEqualTo(fixture);
        assertThat(image.diskFormat()).isEqualTo(diskFormat);
        assertThat(image.containerFormat()).isEqualTo("bare");
        assertThat(image.visibility()).isEqualTo("private");
        assertThat(image.isProtected()).isFalse();
        assertThat(image.osHidden()).isFalse();
        assertThat(image.minDisk()).isEqualTo(1);
        assertThat(image.minRam()).isEqualTo(64);
        assertThat(image.tags()).containsExactlyInAnyOrder("e2e", diskFormat);
        assertThat(image.properties()).isEqualTo(Map.of("hw_disk_bus", "virtio", "source_fixture", fixture));
        assertThat(image.size()).isEqualTo(bytes.length);
        assertThat(image.virtualSize()).isEqualTo(virtualSize);
        assertThat(image.checksum()).isEqualTo(md5(bytes));
        assertThat(image.osHashAlgo()).isEqualTo("sha512");
        assertThat(image.osHashValue()).isEqualTo(sha512(bytes));
        assertThat(stored(image)).isEqualTo(bytes);
        assertThat(source.requests(path)).isEqualTo(1);
    }

    @Test
    void withoutOptionalPropertiesTheImageGetsGlanceDefaults() throws Exception {
        byte[] bytes = fixture("raw.raw");
        source.serve("/plain.raw", bytes);
        String taskId = create(client, source.url("/plain.raw"), "raw");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.name()).isNull();
        assertThat(image.visibility()).isEqualTo("shared");
        assertThat(image.minDisk()).isZero();
        assertThat(image.minRam()).isZero();
        assertThat(image.tags()).isEmpty();
        assertThat(image.properties()).isEmpty();
        assertThat(stored(image)).isEqualTo(bytes);
    }

    @Test
    void aChunkedSourceWithoutALengthIsImported() throws Exception {
        byte[] bytes = fixture("qcow2-v3.qcow2");
        source.serveChunked("/chunked.qcow2", bytes, 10_000);
        String taskId = create(client, source.url("/chunked.qcow2"), "qcow2");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.size()).isEqualTo(bytes.length);
        assertThat(image.virtualSize()).isEqualTo(MIB);
        assertThat(image.checksum()).isEqualTo(md5(bytes));
        assertThat(image.osHashValue()).isEqualTo(sha512(bytes));
        assertThat(stored(image)).isEqualTo(bytes);
    }

    @Test
    void aRedirectWithinTheAllowedHostIsFollowed() throws Exception {
        byte[] bytes = fixture("vmdk-sparse.vmdk");
        source.serve("/moved/image.vmdk", bytes);
        source.redirect("/old/image.vmdk", "302 Found", "/moved/image.vmdk");
        String taskId = create(client, source.url("/old/image.vmdk"), "vmdk");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(stored(image)).isEqualTo(bytes);
        assertThat(source.requests("/old/image.vmdk")).isEqualTo(1);
        assertThat(source.requests("/moved/image.vmdk")).isEqualTo(1);
    }

    /**
     * C15: while the data flows, the task's message says how much has been copied. The source sends its first
     * 3 MiB slowly and holds the rest until the test has seen a progress message, so the task is certainly still
     * processing when it is looked at; once it ends, the message is empty again.
     */
    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = {false, true})
    void progressIsReportedWhileTheDataFlows(boolean chunked) throws Exception {
        byte[] bytes = new byte[(int) (4 * MIB)];
        new Random(42).nextBytes(bytes);
        String path = "/slow-" + chunked + ".raw";
        CountDownLatch midStream = new CountDownLatch(1);
        CountDownLatch progressSeen = new CountDownLatch(1);
        source.script(path, (socket, out) -> {
            if (chunked) {
                SourceServer.head(out, "200 OK", "Transfer-Encoding: chunked");
            } else {
                SourceServer.head(out, "200 OK", "Content-Length: " + bytes.length);
            }
            midStream.await(60, TimeUnit.SECONDS);
            int piece = 64 * 1024;
            int at = 0;
            // About 1 MiB per 1.6 s, so each 1 MiB read of the import ends more than a second after the last.
            while (at < 3 * MIB && !progressSeen.await(100, TimeUnit.MILLISECONDS)) {
                send(out, bytes, at, piece, chunked);
                at += piece;
            }
            progressSeen.await(60, TimeUnit.SECONDS);
            send(out, bytes, at, bytes.length - at, chunked);
            if (chunked) {
                SourceServer.lastChunk(out);
            }
        });
        String taskId = create(client, source.url(path), "raw");
        awaitMidStream(dataDir, taskId);
        midStream.countDown();

        JsonNode during = awaitProgress(taskId);
        progressSeen.countDown();
        assertThat(during.get("status").textValue()).isEqualTo("processing");
        assertThat(during.get("message").textValue())
                // Upstream's form first; Loupe adds the rate (and, with a known size, the time left).
                .matches(
                        chunked
                                ? "Copied [123] MiB \\(\\d+(\\.\\d)? [KM]iB/s\\)"
                                : "Copied [123] MiB of 4 MiB \\(\\d+(\\.\\d)? [KM]iB/s, about \\d+ (s|min) left\\)");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.size()).isEqualTo(bytes.length);
        assertThat(image.virtualSize()).isEqualTo(bytes.length);
        assertThat(image.checksum()).isEqualTo(md5(bytes));
        assertThat(stored(image)).isEqualTo(bytes);
    }

    private static void send(java.io.OutputStream out, byte[] bytes, int at, int length, boolean chunked)
            throws java.io.IOException {
        if (chunked) {
            SourceServer.chunk(out, bytes, at, length);
        } else {
            out.write(bytes, at, length);
            out.flush();
        }
    }

    /** The first view of the task with a message, or its end. */
    private static JsonNode awaitProgress(String taskId) {
        return client.awaitView(
                taskId,
                ADMIN,
                Imports.FINISH,
                view -> !view.get("message").textValue().isEmpty()
                        || !view.get("status").textValue().equals("processing"),
                "a progress message");
    }
}
