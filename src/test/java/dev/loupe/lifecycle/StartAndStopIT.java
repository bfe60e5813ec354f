package dev.loupe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import dev.loupe.testing.TaskRows;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loupe serve} as an operator starts and stops it: the real jar, real signals. */
class StartAndStopIT {

    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aPortInUseStopsTheStartWithOneLineBeforeAnyTaskRuns() throws IOException {
        Path data = dir.resolve("data");
        String id;
        try (LoupeServer api = LoupeServer.start(data)) {
            id = api.client().createImportTask(Client.ADMIN_A).get("id").textValue();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                LoupeProcess serve = LoupeProcess.jar(
                        dir.resolve("logs"),
                        "serve",
                        "--data-dir",
                        data.toString(),
                        "--set",
                        "DEFAULT.bind_port=" + taken.getLocalPort())) {
            assertThat(serve.exitCode(START)).isEqualTo(2);
            assertThat(serve.stderr().strip())
                    .startsWith("loupe: Cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .doesNotContain("\n");
        }
        TaskRows.Row row = new TaskRows(data).row(id);
        assertThat(row.status()).as("no worker ran it").isEqualTo("pending");
        assertThat(row.attempts()).isZero();
    }

    /**
     * A stop signal that comes as soon as the port answers, while the server still finishes its start, still ends
     * in a clean stop (exit 0), not in the JVM's default death by SIGTERM (143).
     */
    @Test
    void aStopSignalDuringTheStartStopsCleanly() throws Exception {
        int port = LoupeProcess.freePort();
        try (LoupeProcess serve = LoupeProcess.jar(
                dir.resolve("early-logs"),
                "serve",
                "--data-dir",
                dir.resolve("early").toString(),
                "--set",
                "DEFAULT.bind_port=" + port)) {
            Await.until(Duration.ofSeconds(60), () -> healthy(port), "the port to answer /healthcheck");
            serve.terminate();
            assertThat(serve.exitCode(Duration.ofSeconds(60)))
                    .as(serve.stderr())
                    .isZero();
        }
    }

    private static boolean healthy(int port) {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream()
                    .write("GET /healthcheck HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII)
                    .equals("HTTP/1.1 200");
        } catch (IOException notYet) {
            return false;
        }
    }

    @Test
    void theFirstSignalDrainsSayingWhatItWaitsForAndASecondReleasesTheTasksAtOnce() throws Exception {
        CountDownLatch fetching = new CountDownLatch(1);
        try (SourceServer source = SourceServer.start()) {
            // A source that sends its headers and then nothing: the import runs until it is stopped.
            source.script("/slow.raw", (socket, out) -> {
                SourceServer.head(out, "200 OK", "Content-Length: 1048576");
                fetching.countDown();
                Thread.sleep(120_000);
            });
            Path data = dir.resolve("data");
            try (LoupeProcess serve = LoupeProcess.jar(
                    dir.resolve("logs"),
                    "serve",
                    "--data-dir",
                    data.toString(),
                    "--set",
                    "DEFAULT.bind_port=0",
                    "--set",
                    "import_filtering_opts.allowed_hosts=127.0.0.1",
                    "--set",
                    "import_filtering_opts.allowed_ports=" + source.port())) {
                Client client = serve.awaitReady(START);
                String id = client.createImportTask(Client.ADMIN_A, source.url("/slow.raw"))
                        .get("id")
                        .textValue();
                assertThat(fetching.await(30, TimeUnit.SECONDS))
                        .as("the import started")
                        .isTrue();

                serve.terminate();
                awaitStderr(serve, "Stopping: 1 task(s) running, waiting up to 30 s");
                assertThat(serve.isAlive()).as("still draining").isTrue();
                long second = System.nanoTime();
                serve.terminate();
                assertThat(serve.exitCode(Duration.ofSeconds(20))).isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - second))
                        .as("released at once, not after the 30 s grace")
                        .isLessThan(Duration.ofSeconds(15));

                TaskRows.Row row = new TaskRows(data).row(id);
                assertThat(row.status())
                        .as("released for another node, not failed")
                        .isEqualTo("processing");
                assertThat(row.attempts()).isEqualTo(1);
                assertThat(row.leaseExpiresAt()).isLessThanOrEqualTo(TaskRows.micros(Instant.now()));
            }
        }
    }

    private static void awaitStderr(LoupeProcess process, String text) {
        Await.until(Duration.ofSeconds(20), () -> process.stderr().contains(text), "stderr to say '" + text + "'");
    }
}
