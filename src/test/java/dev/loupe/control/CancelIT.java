package dev.loupe.control;

import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.S3ProxyServer;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v2/tasks/{id}/actions/cancel}: a pending task ends at once, a running import on another node within
 * a heartbeat, both in failure with a message naming who cancelled and why, leaving no image and no bytes.
 */
class CancelIT {

    private static final String CANCELLED_BY_ADMIN_A = "Cancelled by user admin-a of project proj-a";

    @TempDir
    Path dir;

    private static HttpResponse<String> cancel(Client client, String id, String body) {
        return client.send(
                "POST",
                "/v2/tasks/" + id + "/actions/cancel",
                java.util.Map.of(
                        "X-Identity-Status",
                        "Confirmed",
                        "X-Project-Id",
                        "proj-a",
                        "X-User-Id",
                        "admin-a",
                        "X-Roles",
                        "admin",
                        "Content-Type",
                        "application/json"),
                body);
    }

    @Test
    void aPendingTaskEndsAtOnceInFailureSayingWhoCancelledItAndWhy() {
        try (LoupeServer api = LoupeServer.start(dir)) {
            Client client = api.client();
            String id = client.createImportTask(ADMIN_A).get("id").textValue();

            HttpResponse<String> cancelled = cancel(client, id, "{\"reason\": \"no longer needed\"}");
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(204);
            assertThat(cancelled.body()).isEmpty();
            JsonNode view = client.show(id, ADMIN_A);
            assertThat(view.get("status").textValue()).isEqualTo("failure");
            assertThat(view.get("message").textValue()).isEqualTo(CANCELLED_BY_ADMIN_A + ": no longer needed");
            assertThat(view.has("expires_at")).isTrue();

            HttpResponse<String> again = cancel(client, id, null);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("has already ended (failure)");
        }
    }

    @Test
    void refusalsAreClear() {
        try (LoupeServer api = LoupeServer.start(dir)) {
            Client client = api.client();
            String id = client.createImportTask(ADMIN_A).get("id").textValue();
            String unknown = "00000000-0000-0000-0000-000000000000";
            assertThat(cancel(client, unknown, null).statusCode()).isEqualTo(404);
            assertThat(client.send("POST", "/v2/tasks/" + id + "/actions/cancel", MEMBER_A, null)
                            .statusCode())
                    .as("cancel_task is rule:tasks_api_access, admin-only by default")
                    .isEqualTo(403);
            HttpResponse<String> badBody = cancel(client, id, "{\"reason\": 5}");
            assertThat(badBody.statusCode()).isEqualTo(400);
            assertThat(badBody.body()).contains("'reason' is a string");
            assertThat(cancel(client, id, "{\"why\": \"x\"}").statusCode()).isEqualTo(400);
            assertThat(cancel(client, id, "[]").statusCode()).isEqualTo(400);
            HttpResponse<String> get = client.get("/v2/tasks/" + id + "/actions/cancel", ADMIN_A);
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).contains("POST");
            assertThat(client.show(id, ADMIN_A).get("status").textValue())
                    .as("nothing cancelled it")
                    .isEqualTo("pending");
            // Glance's answer to DELETE stays as it is.
            assertThat(client.send("DELETE", "/v2/tasks/" + id, ADMIN_A, null).statusCode())
                    .isEqualTo(405);
            // Admins see every project's tasks, and may cancel them: the message says who did.
            assertThat(client.send("POST", "/v2/tasks/" + id + "/actions/cancel", ADMIN_B, null)
                            .statusCode())
                    .isEqualTo(204);
            assertThat(client.show(id, ADMIN_A).get("message").textValue())
                    .isEqualTo("Cancelled by user admin-b of project proj-b");
        }
    }

    @Test
    void aRunningImportOnAnotherNodeStopsWithinAHeartbeatAndLeavesNothing() throws Exception {
        Path store = dir.resolve("images");
        cancelARunningImport(new String[] {"glance_store.filesystem_store_datadir=" + store}, () -> {
            try (Stream<Path> files = Files.list(store)) {
                assertThat(files.toList()).as("no bytes").isEmpty();
            }
        });
    }

    @Test
    void aRunningImportIntoS3StopsAndLeavesNoObjectAndNoOpenUpload() throws Exception {
        String bucket = S3ProxyServer.newBucket();
        cancelARunningImport(S3ProxyServer.options(bucket, "glance_store.s3_store_large_object_chunk_size=5"), () -> {
            assertThat(S3ProxyServer.keys(bucket)).as("no object").isEmpty();
            assertThat(S3ProxyServer.openUploads(bucket)).as("no open upload").isEmpty();
        });
    }

    /** What the store holds after the cancel, checked once the task has ended. */
    private interface StoreCheck {
        void holdsNothing() throws Exception;
    }

    private void cancelARunningImport(String[] storeOptions, StoreCheck check) throws Exception {
        String database = Postgres.freshDatabase();
        CountDownLatch fetching = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        try (SourceServer source = SourceServer.start()) {
            // A 1 GiB source that trickles: the import is mid-copy when cancelled.
            source.script("/big.raw", (socket, out) -> {
                SourceServer.head(out, "200 OK", "Content-Length: " + (1L << 30));
                fetching.countDown();
                byte[] chunk = new byte[64 << 10];
                try {
                    while (true) {
                        out.write(chunk);
                        out.flush();
                        Thread.sleep(20);
                    }
                } catch (IOException stopped) {
                    closed.countDown();
                }
            });
            List<String> all = new ArrayList<>(List.of(storeOptions));
            all.addAll(List.of(
                    "database.connection=" + database,
                    "import_filtering_opts.allowed_hosts=127.0.0.1",
                    "import_filtering_opts.allowed_ports=" + source.port(),
                    "task.heartbeat_interval=1",
                    "task.lease_duration=4",
                    "task.poll_interval=0.2"));
            String[] options = all.toArray(String[]::new);
            try (LoupeServer api = LoupeServer.start(dir.resolve("api"), options);
                    LoupeServer worker =
                            LoupeServer.withWorkers(dir.resolve("worker"), UnaryOperator.identity(), options)) {
                Client client = api.client();
                String id = client.createImportTask(ADMIN_A, source.url("/big.raw"))
                        .get("id")
                        .textValue();
                assertThat(fetching.await(30, TimeUnit.SECONDS)).isTrue();
                Client.at(worker.baseUrl())
                        .awaitView(
                                id,
                                ADMIN_A,
                                Duration.ofSeconds(30),
                                v -> v.get("message").textValue().startsWith("Copied"),
                                "the import to report progress");

                long asked = System.nanoTime();
                assertThat(cancel(client, id, "{\"reason\": \"wrong image\"}").statusCode())
                        .isEqualTo(204);
                JsonNode failed = client.awaitStatus(id, ADMIN_A, "failure", Duration.ofSeconds(30));
                Duration took = Duration.ofNanos(System.nanoTime() - asked);
                System.out.printf("CancelIT: a running import ended %d ms after the cancel%n", took.toMillis());
                assertThat(failed.get("message").textValue()).isEqualTo(CANCELLED_BY_ADMIN_A + ": wrong image");
                assertThat(took)
                        .as("within one heartbeat, and the time to write it")
                        .isLessThan(Duration.ofSeconds(3));
                assertThat(closed.await(10, TimeUnit.SECONDS))
                        .as("the download stopped")
                        .isTrue();
                JsonNode images = Client.json(client.get("/v2/images", ADMIN_A)).get("images");
                assertThat(images).as("no image").isEmpty();
                check.holdsNothing();
            }
        }
    }
}
