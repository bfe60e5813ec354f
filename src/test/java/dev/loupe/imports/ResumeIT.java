package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.assertFailedMatching;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.assertNothingLeft;
import static dev.loupe.imports.Imports.create;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.GeneratedSource;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source whose connection breaks mid-body (issue 14, Loupe's own): when it serves byte ranges and names its
 * version, the rest is fetched with {@code Range} and {@code If-Range} and the image is whole; when it ignores the
 * range or its version changed, the import starts over; tries in a row are bounded by {@code [task] source_retries}.
 * The bytes fetched are counted by the source.
 */
class ResumeIT {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Duration LONG = Duration.ofMinutes(5);

    @TempDir
    Path dataDir;

    private SourceServer source;
    private LoupeServer loupe;
    private Client client;

    @BeforeEach
    void start() {
        source = SourceServer.start();
        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source));
        client = loupe.client();
    }

    @AfterEach
    void stop() {
        if (loupe != null) {
            loupe.close();
        }
        source.close();
    }

    @Test
    void aGibibyteSourceResetAtThirtySixtyAndNinetyPercentImportsWholeFetchingLittleTwice() {
        GeneratedSource data =
                new GeneratedSource(GIB, 14).etag("\"v1\"").resetAt(GIB * 3 / 10, GIB * 6 / 10, GIB * 9 / 10);
        source.handle("/big.raw", data);

        String taskId = create(client, source.url("/big.raw"), "raw");
        JsonNode view = client.awaitEnd(taskId, ADMIN, LONG);
        assertThat(view.get("status").textValue()).as("task %s", view).isEqualTo("success");

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        String md5 = data.digest("MD5");
        assertThat(image.size()).isEqualTo(GIB);
        assertThat(image.checksum()).isEqualTo(md5);
        assertThat(image.osHashValue()).isEqualTo(data.digest("SHA-512"));
        assertThat(GeneratedSource.digest("MD5", stream(image)))
                .as("the stored bytes")
                .isEqualTo(md5);
        assertThat(data.requests()).hasSize(4);
        assertThat(data.requests().getFirst()).isEqualTo("null|null");
        assertThat(data.requests().subList(1, 4))
                .allSatisfy(request -> assertThat(request).matches("bytes=\\d+-\\|\"v1\""));
        long fetched = data.bytesSent();
        System.out.printf(
                "ResumeIT: 1 GiB with resets at 30/60/90%%: %d bytes fetched (%.4f GiB), requests %s%n",
                fetched, (double) fetched / GIB, data.requests());
        assertThat(fetched).isLessThanOrEqualTo(GIB + GIB / 20);
    }

    @Test
    void theProgressMessageSaysTheImportResumed() {
        GeneratedSource data = new GeneratedSource(16 * MIB, 2)
                .lastModified("Wed, 02 Dec 2026 10:00:00 GMT")
                .resetAt(4 * MIB)
                .slowFrom(4 * MIB);
        source.handle("/slow.raw", data);

        String taskId = create(client, source.url("/slow.raw"), "raw");
        JsonNode during = client.awaitView(
                taskId,
                ADMIN,
                LONG,
                v -> v.get("message").textValue().contains("resumed"),
                "a progress message that says it resumed");

        assertThat(during.get("message").textValue())
                .matches("Copied \\d+ MiB of 16 MiB \\(\\d+(\\.\\d)? [KM]iB/s, about \\d+ (s|min) left;"
                        + " resumed at [0-4] MiB\\)");
        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.checksum()).isEqualTo(data.digest("MD5"));
        assertThat(data.requests().get(1)).matches("bytes=\\d+-\\|Wed, 02 Dec 2026 10:00:00 GMT");
        // What the reset discarded in the sockets' buffers is sent again, no more.
        assertThat(data.bytesSent()).isLessThanOrEqualTo(20 * MIB);
    }

    @Test
    void aSourceWhoseVersionChangedIsFetchedAgainFromTheStart() {
        GeneratedSource data = new GeneratedSource(64 * MIB, 3).etag("\"v1\"").resetAt(16 * MIB);
        AtomicInteger requests = new AtomicInteger();
        source.handle("/changes.raw", (request, socket, out) -> {
            if (requests.incrementAndGet() == 2) {
                data.etag("\"v2\"");
            }
            data.answer(request, socket, out);
        });

        String taskId = create(client, source.url("/changes.raw"), "raw");
        ImageRows.Image image = assertImported(client, dataDir, taskId);

        assertThat(image.checksum()).isEqualTo(data.digest("MD5"));
        assertThat(image.size()).isEqualTo(64 * MIB);
        assertThat(data.requests()).hasSize(2);
        assertThat(data.requests().get(1)).matches("bytes=\\d+-\\|\"v1\"");
        assertThat(data.bytesSent()).as("a quarter, then all").isEqualTo(80 * MIB);
        assertThat(Imports.files(dataDir, "images")).containsExactly(image.id());
    }

    @Test
    void aSourceThatIgnoresRangesIsFetchedAgainFromTheStart() {
        GeneratedSource data =
                new GeneratedSource(64 * MIB, 4).etag("\"same\"").ignoreRanges().resetAt(16 * MIB);
        source.handle("/ignores.raw", data);

        String taskId = create(client, source.url("/ignores.raw"), "raw");
        ImageRows.Image image = assertImported(client, dataDir, taskId);

        assertThat(image.checksum()).isEqualTo(data.digest("MD5"));
        assertThat(data.requests()).hasSize(2);
        assertThat(data.bytesSent()).isEqualTo(80 * MIB);
    }

    @Test
    void aSourceThatNamesNoVersionIsFetchedAgainFromTheStart() {
        GeneratedSource data = new GeneratedSource(64 * MIB, 5).resetAt(16 * MIB);
        source.handle("/unnamed.raw", data);

        String taskId = create(client, source.url("/unnamed.raw"), "raw");
        ImageRows.Image image = assertImported(client, dataDir, taskId);

        assertThat(image.checksum()).isEqualTo(data.digest("MD5"));
        assertThat(data.requests()).containsExactly("null|null", "null|null");
        assertThat(data.bytesSent()).isEqualTo(80 * MIB);
    }

    @Test
    void tryingIsBoundedBySourceRetriesAndLeavesNothing() {
        GeneratedSource data = new GeneratedSource(64 * MIB, 6).etag("\"v1\"").resetAt(8 * MIB);
        AtomicInteger requests = new AtomicInteger();
        source.handle("/flaky.raw", (request, socket, out) -> {
            if (requests.incrementAndGet() == 1) {
                data.answer(request, socket, out);
                return;
            }
            // Every later try breaks before a byte of the body.
            String range = request.header("Range");
            long from = Long.parseLong(range.substring(6, range.length() - 1));
            SourceServer.head(
                    out,
                    "206 Partial Content",
                    "Content-Length: 100",
                    "Content-Range: bytes " + from + "-" + (from + 99) + "/" + 64 * MIB,
                    "Accept-Ranges: bytes",
                    "ETag: \"v1\"");
            SourceServer.reset(socket);
        });

        String taskId = create(client, source.url("/flaky.raw"), "raw");

        assertFailedMatching(client, taskId, ".+ \\(gave up after 3 retries\\)");
        assertThat(requests.get()).isEqualTo(4);
        assertNothingLeft(dataDir);
    }

    @Test
    void aServerStoppedMidImportLeavesItsDataForTheNextToContinue() throws Exception {
        loupe.close();
        loupe = null;
        String[] options = Imports.reaching(source, "task.shutdown_grace=0.5", "task.lease_duration=2");
        GeneratedSource data = new GeneratedSource(64 * MIB, 7).etag("\"g\"").pauseAt(32 * MIB);
        source.handle("/stopped.raw", data);
        String taskId;
        try (LoupeServer first = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), options)) {
            taskId = create(first.client(), source.url("/stopped.raw"), "raw");
            assertThat(data.awaitPaused(60)).isTrue();
            dev.loupe.testing.Await.until(
                    LONG,
                    () -> Files.exists(dataDir.resolve("images"))
                            && Imports.files(dataDir, "images").stream()
                                    .anyMatch(f ->
                                            f.endsWith(".partial") && size(dataDir.resolve("images/" + f)) == 32 * MIB),
                    "the partial file to hold what the source sent");
        }
        assertThat(Imports.files(dataDir, "images"))
                .as("the stopped server's partial data and note")
                .hasSize(2);

        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), options);
        client = loupe.client();
        ImageRows.Image image = assertImported(client, dataDir, taskId);

        assertThat(image.checksum()).isEqualTo(data.digest("MD5"));
        assertThat(data.requests()).containsExactly("null|null", "bytes=" + 32 * MIB + "-|\"g\"");
        assertThat(data.bytesSent()).isEqualTo(64 * MIB);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static java.io.InputStream stream(ImageRows.Image image) {
        try {
            return Files.newInputStream(Path.of(URI.create(image.location())));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
