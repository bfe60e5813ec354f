package dev.loupe.imports;

import static dev.loupe.imports.Imports.FAST_POLL;
import static dev.loupe.imports.Imports.assertFailed;
import static dev.loupe.imports.Imports.assertFailedMatching;
import static dev.loupe.imports.Imports.assertNothingLeft;
import static dev.loupe.imports.Imports.awaitMidStream;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Imports that must fail, end to end, each with its own message (C8, C9, C11), and leave nothing behind: no row in
 * any image table and no file in the store, complete or partial. None of these servers ever completes an import,
 * so "nothing" is checked literally. Where the failure comes mid-stream, the test first waits until the image row
 * is being saved and its partial file exists, so there was something to clean up.
 */
class ImportFailureIT {

    @TempDir
    static Path dir;

    private static SourceServer source;
    /** May fetch from 127.0.0.1 on the source's port. */
    private static LoupeServer guarded;
    /** May use the source's port, but 127.0.0.1 is not in allowed_hosts, so the address check refuses loopback. */
    private static LoupeServer strict;
    /** As {@link #guarded}, with an image_size_cap of 64 KiB. */
    private static LoupeServer capped;

    @BeforeAll
    static void start() {
        source = SourceServer.start();
        guarded = LoupeServer.withWorkers(dir.resolve("guarded"), UnaryOperator.identity(), Imports.reaching(source));
        strict = LoupeServer.withWorkers(
                dir.resolve("strict"),
                UnaryOperator.identity(),
                FAST_POLL,
                "import_filtering_opts.allowed_ports=" + source.port());
        capped = LoupeServer.withWorkers(
                dir.resolve("capped"),
                UnaryOperator.identity(),
                Imports.reaching(source, "DEFAULT.image_size_cap=65536"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (LoupeServer server : Arrays.asList(guarded, strict, capped)) {
            if (server != null) {
                server.close();
            }
        }
        if (source != null) {
            source.close();
        }
    }

    @Test
    void aMissingSourceFailsWithItsStatus() {
        Client client = guarded.client();
        String id = create(client, source.url("/nowhere.raw"), "raw");
        assertFailed(client, id, "Source answered HTTP 404 Not Found");
        assertThat(source.requests("/nowhere.raw")).isEqualTo(1);
        assertNothingLeft(guarded.dataDir());
    }

    @Test
    void aSourceThatClosesMidBodyFailsAndItsPartialDataIsRemoved() {
        CountDownLatch midStream = new CountDownLatch(1);
        source.script("/closes.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Content-Length: 100000");
            out.write(new byte[5000]);
            out.flush();
            midStream.await(60, TimeUnit.SECONDS);
            socket.shutdownOutput();
        });
        Client client = guarded.client();
        String id = create(client, source.url("/closes.raw"), "raw");
        awaitMidStream(guarded.dataDir(), id);
        midStream.countDown();

        assertFailed(client, id, "Source ended after 5000 of 100000 bytes");
        assertNothingLeft(guarded.dataDir());
    }

    @Test
    void aConnectionResetMidBodyFailsAndItsPartialDataIsRemoved() {
        CountDownLatch midStream = new CountDownLatch(1);
        source.script("/resets.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Content-Length: 100000");
            out.write(new byte[5000]);
            out.flush();
            midStream.await(60, TimeUnit.SECONDS);
            SourceServer.reset(socket);
        });
        Client client = guarded.client();
        String id = create(client, source.url("/resets.raw"), "raw");
        awaitMidStream(guarded.dataDir(), id);
        midStream.countDown();

        assertFailed(client, id, "Reading the source failed after 5000 of 100000 bytes: Connection reset");
        assertNothingLeft(guarded.dataDir());
    }

    @Test
    void aRedirectToTheMetadataAddressIsRefused() {
        String metadata = "http://169.254.169.254/latest/meta-data/";
        source.redirect("/to-metadata", "302 Found", metadata);
        Client client = guarded.client();
        String id = create(client, source.url("/to-metadata"), "raw");
        assertFailed(
                client,
                id,
                "Refused redirect from " + source.url("/to-metadata") + " to " + metadata
                        + ": URI for legacy import task does not pass filtering: " + metadata
                        + " (host 169.254.169.254 is not in allowed_hosts)");
        assertNothingLeft(guarded.dataDir());
    }

    @Test
    void aRedirectToAHostNotAllowedIsRefusedAndNotFollowed() {
        source.serve("/elsewhere.raw", fixture("raw.raw"));
        String elsewhere = "http://localhost:" + source.port() + "/elsewhere.raw";
        source.redirect("/to-localhost", "301 Moved Permanently", elsewhere);
        Client client = guarded.client();
        String id = create(client, source.url("/to-localhost"), "raw");
        assertFailed(
                client,
                id,
                "Refused redirect from " + source.url("/to-localhost") + " to " + elsewhere
                        + ": URI for legacy import task does not pass filtering: " + elsewhere
                        + " (host localhost is not in allowed_hosts)");
        assertThat(source.requests("/elsewhere.raw")).isZero();
        assertNothingLeft(guarded.dataDir());
    }

    /** allowed_hosts names 127.0.0.1, which allows that spelling, not the IPv4-mapped one OkHttp would fold into it. */
    @Test
    void aRedirectToAnotherSpellingOfTheAllowedAddressIsRefusedAndNotFollowed() {
        source.serve("/mapped.raw", fixture("raw.raw"));
        String mapped = "http://[::ffff:127.0.0.1]:" + source.port() + "/mapped.raw";
        source.redirect("/to-mapped", "302 Found", mapped);
        Client client = guarded.client();
        String id = create(client, source.url("/to-mapped"), "raw");
        assertFailed(
                client,
                id,
                "Refused redirect from " + source.url("/to-mapped") + " to " + mapped
                        + ": URI for legacy import task does not pass filtering: " + mapped
                        + " (host [::ffff:127.0.0.1] is not in allowed_hosts)");
        assertThat(source.requests("/mapped.raw")).isZero();
        assertNothingLeft(guarded.dataDir());
    }

    @Test
    void aNameResolvingToLoopbackIsRefusedWithoutAnAllowListEntry() {
        source.serve("/by-name.raw", fixture("raw.raw"));
        String uri = "http://localhost:" + source.port() + "/by-name.raw";
        Client client = strict.client();
        String id = create(client, uri, "raw");
        // The first refused address is named: 127.0.0.1 as the JDK lists IPv4 first, unless a host prefers IPv6
        // and maps localhost to ::1 as well.
        assertFailedMatching(
                client,
                id,
                Pattern.quote("Refused to fetch from " + uri + ": localhost resolves to ")
                        + "(127\\.0\\.0\\.1|0:0:0:0:0:0:0:1)"
                        + Pattern.quote(", a loopback address (allow it with [import_filtering_opts] allowed_hosts)"));
        assertThat(source.requests("/by-name.raw")).isZero();
        assertNothingLeft(strict.dataDir());
    }

    @Test
    void aLoopbackLiteralIsRefusedWithoutAnAllowListEntry() {
        source.serve("/by-address.raw", fixture("raw.raw"));
        String uri = source.url("/by-address.raw");
        Client client = strict.client();
        String id = create(client, uri, "raw");
        assertFailed(
                client,
                id,
                "Refused to fetch from " + uri + ": 127.0.0.1 is a loopback address"
                        + " (allow it with [import_filtering_opts] allowed_hosts)");
        assertThat(source.requests("/by-address.raw")).isZero();
        assertNothingLeft(strict.dataDir());
    }

    @Test
    void aLengthOverTheSizeCapFailsBeforeAnyDataIsStored() {
        source.serve("/too-long.raw", new byte[65_537]);
        Client client = capped.client();
        String id = create(client, source.url("/too-long.raw"), "raw");
        assertFailed(client, id, "Source is 65537 bytes, over the image_size_cap of 65536 bytes");
        assertNothingLeft(capped.dataDir());
    }

    @Test
    void aChunkedBodyGrowingPastTheSizeCapFailsAndItsPartialDataIsRemoved() {
        CountDownLatch midStream = new CountDownLatch(1);
        byte[] piece = new byte[40_000];
        source.script("/grows.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Transfer-Encoding: chunked");
            SourceServer.chunk(out, piece, 0, piece.length);
            midStream.await(60, TimeUnit.SECONDS);
            SourceServer.chunk(out, piece, 0, piece.length);
            SourceServer.chunk(out, piece, 0, piece.length);
            SourceServer.lastChunk(out);
        });
        Client client = capped.client();
        String id = create(client, source.url("/grows.raw"), "raw");
        awaitMidStream(capped.dataDir(), id);
        midStream.countDown();

        assertFailed(client, id, "Source sent more than the image_size_cap of 65536 bytes");
        assertNothingLeft(capped.dataDir());
    }

    /** Content refused for what it is (C11) or for not being what it is declared to be (C10). */
    static Stream<Arguments> unsafeContent() {
        return Stream.of(
                Arguments.of("qcow2-backing.qcow2", "qcow2", "qcow2 image has a backing file; refused"),
                Arguments.of("qcow2-data-file.qcow2", "qcow2", "qcow2 image has an external data file; refused"),
                Arguments.of("qcow2-v3.qcow2", "raw", "Image content is qcow2 but disk_format says raw; refused"),
                Arguments.of(
                        "qcow2-backing.qcow2",
                        "raw",
                        "Image content is qcow2 but disk_format says raw; refused;"
                                + " qcow2 image has a backing file; refused"),
                Arguments.of("vmdk-split.vmdk", "vmdk", "vmdk descriptor file without data; refused"),
                Arguments.of("vmdk-flat.vmdk", "vmdk", "vmdk descriptor file without data; refused"),
                Arguments.of("vmdk-split-s001.vmdk", "vmdk", "vmdk image has no embedded descriptor; refused"),
                Arguments.of(
                        "qed-backing.qed",
                        "raw",
                        "Image content is qed but disk_format says raw; refused;"
                                + " qed image has a backing file; refused"),
                Arguments.of("raw.raw", "qcow2", "Image content is raw but disk_format says qcow2; refused"),
                Arguments.of("vhd-dynamic.vhd", "vmdk", "Image content is vhd but disk_format says vmdk; refused"));
    }

    /** A gzip of a raw disk is no raw disk: before, it became an active raw image of compressed bytes. */
    @Test
    void gzipCompressedContentDeclaredRawIsRefusedAndRemoved() throws Exception {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(fixture("raw.raw"));
        }
        source.serve("/compressed/raw.raw.gz", compressed.toByteArray());
        Client client = guarded.client();
        String id = create(client, source.url("/compressed/raw.raw.gz"), "raw");
        assertFailed(client, id, "Image content is gzip-compressed data, not a raw disk image; refused");
        assertThat(source.requests("/compressed/raw.raw.gz")).isEqualTo(1);
        assertNothingLeft(guarded.dataDir());
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("unsafeContent")
    void unsafeOrMisdeclaredContentIsRefusedAndRemoved(String fixture, String diskFormat, String message) {
        String path = "/unsafe/" + diskFormat + "/" + fixture;
        source.serve(path, fixture(fixture));
        Client client = guarded.client();
        String id = create(client, source.url(path), diskFormat);
        assertFailed(client, id, message);
        assertThat(source.requests(path)).isEqualTo(1);
        assertNothingLeft(guarded.dataDir());
    }
}
