package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.create;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.cli.Main;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.GeneratedSource;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed (SIGKILL) half-way through a 1 GiB import to the filesystem store (issue 14, Loupe's own): its partial
 * file stays, and the restarted node, once it recovers the task, reads it back to rebuild the digests and fetches
 * only the rest, with {@code Range} and {@code If-Range}. The bytes fetched are counted by the source.
 */
class ResumeAfterKillIT {

    private static final long GIB = 1L << 30;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration LONG = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private SourceServer source;

    @BeforeEach
    void startSource() {
        source = SourceServer.start();
    }

    @AfterEach
    void stopSource() {
        source.close();
    }

    @Test
    void theRestartedNodeFetchesOnlyWhatTheKilledOneHadNotStored() throws Exception {
        Path data = dir.resolve("data");
        GeneratedSource big = new GeneratedSource(GIB, 50).etag("\"k1\"").pauseAt(GIB / 2);
        source.handle("/big.raw", big);
        String taskId;
        try (LoupeProcess first = serve(data)) {
            Client api = first.awaitReady(START);
            taskId = create(api, source.url("/big.raw"), "raw");
            assertThat(big.awaitPaused(120)).as("the source reached half").isTrue();
            Await.until(
                    LONG,
                    () -> partialSizes(data).contains(GIB / 2),
                    "the partial file to hold the half the source sent");
            first.kill();
        }
        long beforeRestart = big.bytesSent();
        assertThat(partialSizes(data)).as("the killed node's partial file").containsExactly(GIB / 2);

        ImageRows.Image image;
        try (LoupeProcess second = serve(data)) {
            Client api = second.awaitReady(START);
            JsonNode view = api.awaitEnd(taskId, ADMIN, LONG);
            assertThat(view.get("status").textValue()).as("task %s", view).isEqualTo("success");
            image = Imports.assertImported(api, data, taskId);
        }
        long afterRestart = big.bytesSent() - beforeRestart;

        String md5 = big.digest("MD5");
        assertThat(image.size()).isEqualTo(GIB);
        assertThat(image.checksum())
                .as("the digest rebuilt from the read-back half")
                .isEqualTo(md5);
        assertThat(image.osHashValue()).isEqualTo(big.digest("SHA-512"));
        assertThat(GeneratedSource.digest("MD5", Files.newInputStream(Path.of(URI.create(image.location())))))
                .as("the stored bytes")
                .isEqualTo(md5);
        assertThat(Imports.files(data, "images")).containsExactly(image.id());
        assertThat(big.requests()).containsExactly("null|null", "bytes=" + GIB / 2 + "-|\"k1\"");
        System.out.printf(
                "ResumeAfterKillIT: killed at 50%% of 1 GiB; %d bytes fetched before the kill, %d (%.4f GiB) after the"
                        + " restart%n",
                beforeRestart, afterRestart, (double) afterRestart / GIB);
        assertThat(afterRestart).isLessThanOrEqualTo(GIB * 6 / 10);
    }

    /** The sizes of the store's partial data files (not their notes). */
    private static List<Long> partialSizes(Path data) {
        Path store = Imports.store(data);
        if (!Files.isDirectory(store)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(store)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".partial")
                            && !f.getFileName().toString().endsWith(".note.partial"))
                    .map(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return -1L;
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LoupeProcess serve(Path data) {
        List<String> args = new ArrayList<>(List.of("serve", "--data-dir", data.toString()));
        for (String setting : List.of(
                "DEFAULT.bind_port=0",
                "task.lease_duration=2",
                "task.heartbeat_interval=0.5",
                "task.poll_interval=0.5",
                Imports.LOOPBACK_ALLOWED,
                "import_filtering_opts.allowed_ports=" + source.port())) {
            args.add("--set");
            args.add(setting);
        }
        return LoupeProcess.mainClass(
                dir,
                Main.class,
                List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"),
                args.toArray(String[]::new));
    }
}
