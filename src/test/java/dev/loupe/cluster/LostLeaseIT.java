package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.SourceServer;
import dev.loupe.testing.TaskRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node paused mid-import (SIGSTOP) loses its task to another node; when it resumes it stops its copy within a
 * heartbeat and writes nothing: one active image, made by the node that now runs the task, and no stray bytes.
 */
class LostLeaseIT {

    private static final int SIZE = 8 << 20;
    private static final int TRICKLE = 4 << 10;
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void aPausedNodeThatResumesStopsItsCopyWithinAHeartbeatAndWritesNothing() throws Exception {
        byte[] image = new byte[SIZE];
        new Random(7).nextBytes(image);
        String database = Postgres.freshDatabase();
        Path store = dir.resolve("shared-images");
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch firstFetching = new CountDownLatch(1);
        CountDownLatch firstClosed = new CountDownLatch(1);
        AtomicLong firstClosedAt = new AtomicLong();
        try (SourceServer source = SourceServer.start()) {
            source.script("/image.raw", (socket, out) -> {
                SourceServer.head(out, "200 OK", "Content-Length: " + SIZE);
                if (requests.incrementAndGet() == 1) {
                    // The first node's copy trickles, so that it is mid-copy when paused, and until it stops: at
                    // 40 KiB/s the image would take minutes, so the copy cannot end while the node is paused, however
                    // long the second node takes on a loaded machine (socket buffers hold megabytes meanwhile).
                    firstFetching.countDown();
                    try {
                        for (int at = 0; at < SIZE; at += TRICKLE) {
                            out.write(image, at, TRICKLE);
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (IOException closed) {
                        firstClosedAt.set(System.nanoTime());
                        firstClosed.countDown();
                    }
                } else {
                    out.write(image);
                    out.flush();
                }
            });
            List<String> options = List.of(
                    "database.connection=" + database,
                    "glance_store.filesystem_store_datadir=" + store,
                    "import_filtering_opts.allowed_hosts=127.0.0.1",
                    "import_filtering_opts.allowed_ports=" + source.port(),
                    "task.lease_duration=4",
                    "task.heartbeat_interval=" + HEARTBEAT.toSeconds(),
                    "task.poll_interval=0.2");
            try (LoupeProcess first = node("first", options);
                    LoupeProcess second = node("second", options)) {
                Client client = first.awaitReady(Duration.ofSeconds(60));
                String id = client.createImportTask(Client.ADMIN_A, source.url("/image.raw"))
                        .get("id")
                        .textValue();
                assertThat(firstFetching.await(30, TimeUnit.SECONDS)).isTrue();
                // The first node runs it; no other node is up yet.
                signal("STOP", first);
                Client secondClient;
                JsonNode done;
                long resumed;
                try {
                    secondClient = second.awaitReady(Duration.ofSeconds(60));
                    done = secondClient.awaitStatus(id, Client.ADMIN_A, "success", Duration.ofSeconds(60));
                } finally {
                    resumed = System.nanoTime();
                    signal("CONT", first);
                }
                assertThat(done.get("result").get("image_id").isTextual()).isTrue();
                assertThat(firstClosed.await(30, TimeUnit.SECONDS))
                        .as("the resumed node stopped its copy")
                        .isTrue();
                Duration stoppedAfter = Duration.ofNanos(firstClosedAt.get() - resumed);
                System.out.printf(
                        "LostLeaseIT: the resumed node closed its source %d ms after SIGCONT%n",
                        stoppedAfter.toMillis());
                // within one heartbeat of resuming (and the time a loaded machine takes to deliver it)
                assertThat(stoppedAfter).isLessThan(HEARTBEAT.plusSeconds(2));
                String imageId = secondClient
                        .show(id, Client.ADMIN_A)
                        .get("result")
                        .get("image_id")
                        .textValue();
                TaskRows.Row row = new TaskRows(database).row(id);
                assertThat(row.status()).isEqualTo("success");
                assertThat(row.attempts()).isEqualTo(2);
                // The resumed node's cleanup and late write have had a heartbeat or two to happen, if they would.
                awaitQuiet(first);
                assertThat(new TaskRows(database).row(id)).isEqualTo(row);
                assertThat(storedFiles(store)).containsExactly(imageId);
                assertThat(Files.readAllBytes(store.resolve(imageId))).isEqualTo(image);
                assertThat(first.stderr()).contains("lost its lease");
                JsonNode images =
                        Client.json(client.get("/v2/images", Client.ADMIN_A)).get("images");
                assertThat(images).hasSize(1);
                assertThat(images.get(0).get("id").textValue()).isEqualTo(imageId);
                assertThat(images.get(0).get("status").textValue()).isEqualTo("active");
            }
        }
    }

    private LoupeProcess node(String name, List<String> options) {
        List<String> args = new ArrayList<>(
                List.of("serve", "--data-dir", dir.resolve(name).toString(), "--set", "DEFAULT.bind_port=0"));
        for (String option : options) {
            args.add("--set");
            args.add(option);
        }
        return LoupeProcess.jar(dir.resolve(name + "-logs"), args.toArray(String[]::new));
    }

    private static void signal(String signal, LoupeProcess process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        assertThat(kill.waitFor()).isZero();
    }

    /** Waits until the node has logged that its late outcome was discarded: its run is over. */
    private static void awaitQuiet(LoupeProcess process) {
        Await.until(
                Duration.ofSeconds(20),
                () -> process.stderr().contains("is discarded"),
                "the resumed node to discard its outcome");
    }

    private static List<String> storedFiles(Path store) throws IOException {
        try (Stream<Path> files = Files.list(store)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
