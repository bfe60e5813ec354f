package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interoperable image import as Glance 25.1 answers it (docs/upstream/glance-25.1-images-write.md §7):
 * {@code GET /v2/info/import}, {@code PUT /v2/images/{id}/stage}, {@code POST /v2/images/{id}/import} with
 * {@code web-download} and {@code glance-direct}, the {@code api_image_import} task's shape, the image's import
 * properties during and after, and the 400/404/409/415 answers with upstream's messages. A failed import leaves the
 * image {@code queued}, free for another import, and nothing staged.
 */
class ImageImportIT {

    static final byte[] SOURCE = random(1024 * 1024 + 7);
    static final String OCTET = "application/octet-stream";
    static final String REQUEST_ID = "req-11111111-2222-4333-8444-aaaaaaaaaaaa";

    @TempDir
    static Path dir;

    static SourceServer source;
    static CountDownLatch slowRelease = new CountDownLatch(1);
    static int closedPort;
    /** Runs import tasks. */
    static LoupeServer server;
    /** API only: its import tasks stay pending, so what the request did can be seen before any run. */
    static LoupeServer api;

    @BeforeAll
    static void start() throws IOException {
        source = SourceServer.start();
        source.serve("/disk.raw", SOURCE);
        source.serve("/backing.qcow2", fixture("qcow2-backing.qcow2"));
        source.script("/slow.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Content-Length: " + SOURCE.length);
            out.write(SOURCE, 0, 1024);
            out.flush();
            slowRelease.await(60, TimeUnit.SECONDS);
            out.write(SOURCE, 1024, SOURCE.length - 1024);
        });
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String[] filter = {
            "task.poll_interval=0.2",
            "import_filtering_opts.allowed_hosts=[127.0.0.1]",
            "import_filtering_opts.allowed_ports=[" + source.port() + ", " + closedPort + "]"
        };
        server = LoupeServer.withWorkers(dir.resolve("workers"), UnaryOperator.identity(), filter);
        api = LoupeServer.start(dir.resolve("api"), filter);
    }

    @AfterAll
    static void stop() {
        slowRelease.countDown();
        api.close();
        server.close();
        source.close();
    }

    static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    static byte[] fixture(String name) {
        try (InputStream in = ImageImportIT.class.getResourceAsStream("/formats/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String url(String path) {
        return "http://127.0.0.1:" + source.port() + path;
    }

    static String webDownload(String uri) {
        return "{\"method\": {\"name\": \"web-download\", \"uri\": \"" + uri + "\"}}";
    }

    static String create(LoupeServer on, String body) {
        return ok(on.client().post("/v2/images", asJson(ADMIN_A), body), 201)
                .get("id")
                .asText();
    }

    static String queued(LoupeServer on, String name) {
        return create(on, "{\"name\": \"" + name + "\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}");
    }

    static HttpResponse<String> importImage(LoupeServer on, Map<String, String> who, String id, String body) {
        return on.client()
                .post("/v2/images/" + id + "/import", with(asJson(who), "Content-Type", "application/json"), body);
    }

    static HttpResponse<String> stage(LoupeServer on, String id, String type, byte[] data) {
        return raw(
                on.baseUrl(),
                "PUT",
                "/v2/images/" + id + "/stage",
                with(asJson(ADMIN_A), "Content-Type", type),
                HttpRequest.BodyPublishers.ofByteArray(data));
    }

    static JsonNode show(LoupeServer on, String id) {
        return ok(on.client().get("/v2/images/" + id, ADMIN_A), 200);
    }

    static JsonNode awaitImage(LoupeServer on, String id, String status) {
        return dev.loupe.testing.Await.until(
                Duration.ofSeconds(60),
                () -> show(on, id),
                image -> image.get("status").asText().equals(status),
                "image " + id + " " + status);
    }

    static JsonNode imageTasks(LoupeServer on, String id) {
        return ok(on.client().get("/v2/images/" + id + "/tasks", ADMIN_A), 200).get("tasks");
    }

    static JsonNode awaitTaskEnd(LoupeServer on, String imageId) {
        return dev.loupe.testing.Await.until(
                        Duration.ofSeconds(60),
                        () -> imageTasks(on, imageId),
                        tasks -> tasks.size() >= 1
                                && Stream.of("success", "failure")
                                        .anyMatch(tasks.get(0).get("status").asText()::equals),
                        "the import task of image " + imageId + " ended")
                .get(0);
    }

    static long staged(LoupeServer on) throws IOException {
        Path staging = on.dataDir().resolve("work").resolve("staging");
        if (!Files.isDirectory(staging)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(staging)) {
            return files.count();
        }
    }

    static byte[] download(LoupeServer on, String id) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(java.net.URI.create(on.baseUrl() + "/v2/images/" + id + "/file"));
        ADMIN_A.forEach(request::header);
        try {
            HttpResponse<byte[]> response = java.net.http.HttpClient.newHttpClient()
                    .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void infoImportListsTheEnabledMethodsAndInfoStoresIsNotFoundOnOneStore() {
        JsonNode info = ok(server.client().get("/v2/info/import", asJson(MEMBER_A)), 200);
        assertThat(info)
                .isEqualTo(parse("{\"import-methods\": {\"description\": \"Import methods available.\", \"type\":"
                        + " \"array\", \"value\": [\"glance-direct\", \"web-download\"]}}"));
        assertJsonError(
                server.client().get("/v2/info/stores", asJson(MEMBER_A)),
                404,
                "Multi backend is not supported at this site.");
        assertJsonError(
                server.client().get("/v2/info/stores/detail", asJson(ADMIN_A)),
                404,
                "Multi backend is not supported at this site.");
    }

    @Test
    void onlyTheConfiguredMethodsAreOfferedAndAnotherOneStopsTheStart() {
        try (LoupeServer one = LoupeServer.start(dir.resolve("one"), "DEFAULT.enabled_import_methods=[web-download]")) {
            JsonNode info = ok(one.client().get("/v2/info/import", asJson(MEMBER_A)), 200);
            assertThat(info.get("import-methods").get("value")).isEqualTo(parse("[\"web-download\"]"));
            HttpResponse<String> created = one.client()
                    .post("/v2/images", asJson(ADMIN_A), "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
            assertThat(created.headers().firstValue("OpenStack-image-import-methods"))
                    .hasValue("web-download");
            String id = Client.json(created).get("id").asText();
            assertJsonError(
                    importImage(one, ADMIN_A, id, "{\"method\": {\"name\": \"glance-direct\"}}"),
                    400,
                    "Unknown import method name 'glance-direct'.");
            assertJsonError(
                    stage(one, id, OCTET, new byte[] {1}),
                    404,
                    "'glance-direct' method is not available at this site.");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoupeServer.start(
                                dir.resolve("bad"), "DEFAULT.enabled_import_methods=[glance-direct, copy-image]")
                        .close())
                .hasMessageContaining("copy-image");
    }

    @Test
    void createNamesTheImportMethods() {
        HttpResponse<String> created = server.client()
                .post(
                        "/v2/images",
                        asJson(ADMIN_A),
                        "{\"name\": \"hdr\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        assertStatus(created, 201);
        assertThat(created.headers().firstValue("OpenStack-image-import-methods"))
                .hasValue("glance-direct,web-download");
    }

    @Test
    void webDownloadMakesTheImageActiveThroughAnApiImageImportTask() {
        String id = queued(server, "web");
        HttpResponse<String> accepted = importImage(
                server, with(ADMIN_A, "X-Openstack-Request-Id", REQUEST_ID), id, webDownload(url("/disk.raw")));
        assertStatus(accepted, 202);
        assertThat(accepted.body()).isEmpty();
        assertThat(accepted.headers().firstValue("x-openstack-request-id")).hasValue(REQUEST_ID);

        JsonNode task = awaitTaskEnd(server, id);
        assertThat(task.get("status").asText()).as(task.toString()).isEqualTo("success");
        JsonNode image = awaitImage(server, id, "active");
        assertThat(image.get("size").asLong()).isEqualTo(SOURCE.length);
        assertThat(image.get("virtual_size").asLong()).isEqualTo(SOURCE.length);
        assertThat(image.get("checksum").asText()).isEqualTo(ImageFixtures.hex("MD5", SOURCE));
        assertThat(image.get("os_hash_algo").asText()).isEqualTo("sha512");
        assertThat(image.get("os_hash_value").asText()).isEqualTo(ImageFixtures.hex("SHA-512", SOURCE));
        // The lock goes; the two empty-string properties stay for good, as upstream leaves them.
        assertThat(image.has("os_glance_import_task")).isFalse();
        assertThat(image.get("os_glance_importing_to_stores").asText()).isEmpty();
        assertThat(image.get("os_glance_failed_import").asText()).isEmpty();
        assertThat(download(server, id)).isEqualTo(SOURCE);

        assertThat(task.get("type").asText()).isEqualTo("api_image_import");
        assertThat(task.get("owner").asText()).isEqualTo("proj-a");
        assertThat(task.get("image_id").asText()).isEqualTo(id);
        assertThat(task.get("request_id").asText()).isEqualTo(REQUEST_ID);
        assertThat(task.get("user_id").asText()).isEqualTo("admin-a");
        assertThat(task.get("input"))
                .isEqualTo(parse("{\"image_id\": \"" + id + "\", \"import_req\": " + webDownload(url("/disk.raw"))
                        + ", \"backend\": [null]}"));
        assertThat(task.get("result")).isEqualTo(parse("{\"image_id\": \"" + id + "\"}"));
        assertThat(task.get("message").asText()).isEqualTo("Copied 1 MiB");
        JsonNode shown = ok(server.client().get("/v2/tasks/" + task.get("id").asText(), ADMIN_A), 200);
        assertThat(shown.get("type").asText()).isEqualTo("api_image_import");
        assertThat(shown.get("input")).isEqualTo(task.get("input"));
        // Listed among the tasks, though the list cannot filter on its type (upstream).
        assertThat(ok(server.client().get("/v2/tasks?limit=1000", ADMIN_A), 200)
                        .get("tasks")
                        .findValuesAsText("id"))
                .contains(task.get("id").asText());

        assertJsonError(
                importImage(server, ADMIN_A, id, webDownload(url("/disk.raw"))),
                409,
                "Image with status active cannot be target for import");
        assertJsonError(
                importImage(server, ADMIN_A, id, "{\"method\": {\"name\": \"teleport\"}}"),
                400,
                "Unknown import method name 'teleport'.");
        assertJsonError(
                stage(server, id, OCTET, new byte[] {1}),
                409,
                "Image status transition from active to uploading is not allowed");
    }

    @Test
    void whileAWebDownloadRunsTheImageIsImportingAndHeld() {
        String id = queued(server, "slow");
        assertStatus(importImage(server, ADMIN_A, id, webDownload(url("/slow.raw"))), 202);
        JsonNode importing = awaitImage(server, id, "importing");
        String taskId = imageTasks(server, id).get(0).get("id").asText();
        assertThat(importing.get("os_glance_import_task").asText()).isEqualTo(taskId);
        assertThat(importing.get("os_glance_importing_to_stores").asText()).isEmpty();
        assertThat(importing.get("os_glance_failed_import").asText()).isEmpty();
        assertThat(imageTasks(server, id).get(0).get("status").asText()).isEqualTo("processing");

        assertJsonError(
                importImage(server, ADMIN_A, id, webDownload(url("/disk.raw"))),
                409,
                "Image needs to be in 'queued' state to use 'web-download' method");
        assertJsonError(
                raw(
                        server.baseUrl(),
                        "PUT",
                        "/v2/images/" + id + "/file",
                        with(asJson(ADMIN_A), "Content-Type", OCTET),
                        HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})),
                409,
                "Image status transition from importing to saving is not allowed");
        // A PATCH while it runs changes the image and keeps the import's lock (upstream: 200, still importing).
        JsonNode patched = ok(
                server.client()
                        .send(
                                "PATCH",
                                "/v2/images/" + id,
                                with(asJson(ADMIN_A), "Content-Type", "application/openstack-images-v2.1-json-patch"),
                                "[{\"op\": \"add\", \"path\": \"/during\", \"value\": \"x\"}]"),
                200);
        assertThat(patched.get("status").asText()).isEqualTo("importing");
        assertThat(patched.get("os_glance_import_task").asText()).isEqualTo(taskId);
        assertThat(show(server, id).get("os_glance_import_task").asText()).isEqualTo(taskId);
        slowRelease.countDown();
        assertThat(awaitTaskEnd(server, id).get("status").asText()).isEqualTo("success");
        JsonNode active = awaitImage(server, id, "active");
        assertThat(active.has("os_glance_import_task")).isFalse();
        assertThat(active.get("during").asText()).isEqualTo("x");
    }

    @Test
    void theImportRequestQueuesTheTaskAndHoldsTheImage() {
        String id = queued(api, "held");
        assertStatus(
                importImage(
                        api, with(ADMIN_A, "X-Openstack-Request-Id", REQUEST_ID), id, webDownload(url("/disk.raw"))),
                202);
        JsonNode tasks = imageTasks(api, id);
        assertThat(tasks).hasSize(1);
        JsonNode task = tasks.get(0);
        assertThat(task.get("status").asText()).isEqualTo("pending");
        assertThat(task.get("request_id").asText()).isEqualTo(REQUEST_ID);
        JsonNode image = show(api, id);
        assertThat(image.get("status").asText()).isEqualTo("queued");
        assertThat(image.get("os_glance_import_task").asText())
                .isEqualTo(task.get("id").asText());
        assertJsonError(importImage(api, ADMIN_A, id, webDownload(url("/disk.raw"))), 409, "Image has active task");
    }

    @Test
    void theBodyIsCheckedBeforeTheImageWithUpstreamsMessages() {
        String id = queued(api, "checks");
        String missing = "00000000-0000-4000-8000-00000000dead";
        assertJsonError(importImage(api, ADMIN_A, id, "{}"), 400, "Import request requires a 'method' field.");
        assertJsonError(
                importImage(api, ADMIN_A, id, "{\"method\": {\"name\": \"copy-image\"}}"),
                400,
                "Unknown import method name 'copy-image'.");
        assertJsonError(
                importImage(api, ADMIN_A, id, "{\"method\": {\"name\": \"glance-download\"}}"),
                400,
                "Unknown import method name 'glance-download'.");
        assertJsonError(
                importImage(api, ADMIN_A, id, "{\"method\": {\"name\": \"web-download\"}}"),
                400,
                "URI for web-download does not pass filtering: None");
        for (String uri : new String[] {"http://127.0.0.1:9/x.raw", "file:///etc/passwd", "ftp://127.0.0.1/x"}) {
            assertJsonError(
                    importImage(api, ADMIN_A, id, webDownload(uri)),
                    400,
                    "URI for web-download does not pass filtering: " + uri);
        }
        assertJsonError(
                importImage(
                        api,
                        ADMIN_A,
                        id,
                        "{\"method\": {\"name\": \"web-download\", \"uri\": \"" + url("/disk.raw")
                                + "\"}, \"all_stores_must_succeed\": false}"),
                400,
                "All_stores_must_succeed can only be set with enabled_backends " + url("/disk.raw"));
        // Upstream answers 500 (a TypeError); Loupe says what is wrong.
        assertStatus(importImage(api, ADMIN_A, id, "{\"method\": \"web-download\"}"), 400);
        assertJsonError(
                importImage(api, ADMIN_A, missing, webDownload(url("/disk.raw"))),
                404,
                "No image found with ID " + missing);
        assertJsonError(
                importImage(api, ADMIN_A, id, "{\"method\": {\"name\": \"glance-direct\"}}"),
                409,
                "Image needs to be staged before 'glance-direct' method can be used");
        String noFormats = create(api, "{\"name\": \"bare\"}");
        assertJsonError(
                importImage(api, ADMIN_A, noFormats, webDownload(url("/disk.raw"))),
                409,
                "'container_format' needs to be set before import");
        // Nothing was queued by any of these.
        assertThat(imageTasks(api, id)).isEmpty();
        assertThat(show(api, id).has("os_glance_import_task")).isFalse();
    }

    @Test
    void stagingAnswersAsUpstream() {
        String id = queued(api, "staging");
        assertJsonError(
                stage(api, id, "application/json", SOURCE),
                415,
                "The request media type application/json is not supported by this server.");
        HttpResponse<String> staged = stage(api, id, OCTET, SOURCE);
        assertStatus(staged, 204);
        JsonNode image = show(api, id);
        assertThat(image.get("status").asText()).isEqualTo("uploading");
        assertThat(image.get("size").asLong()).isEqualTo(SOURCE.length);
        assertThat(image.get("checksum").isNull()).isTrue();
        assertThat(image.get("virtual_size").isNull()).isTrue();
        assertJsonError(
                stage(api, id, OCTET, SOURCE),
                409,
                "Image status transition from uploading to uploading is not allowed");
        assertJsonError(
                raw(
                        api.baseUrl(),
                        "PUT",
                        "/v2/images/" + id + "/file",
                        with(asJson(ADMIN_A), "Content-Type", OCTET),
                        HttpRequest.BodyPublishers.ofByteArray(SOURCE)),
                409,
                "Image status transition from uploading to saving is not allowed");
        assertJsonError(
                importImage(api, ADMIN_A, id, webDownload(url("/disk.raw"))),
                409,
                "Image needs to be in 'queued' state to use 'web-download' method");
        String missing = "00000000-0000-4000-8000-00000000beef";
        assertJsonError(stage(api, missing, OCTET, SOURCE), 404, "No image found with ID " + missing);
    }

    @Test
    void stagingOverTheSizeCapIsRefusedAndLeavesTheImageQueued() throws IOException {
        try (LoupeServer capped = LoupeServer.start(dir.resolve("capped"), "DEFAULT.image_size_cap=65536")) {
            String id = create(capped, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
            assertStatus(stage(capped, id, OCTET, SOURCE), 413);
            assertThat(show(capped, id).get("status").asText()).isEqualTo("queued");
            assertThat(staged(capped)).isZero();
        }
    }

    @Test
    void glanceDirectImportsTheStagedDataAndRemovesIt() throws IOException {
        String id = queued(server, "direct");
        assertStatus(stage(server, id, OCTET, SOURCE), 204);
        assertThat(staged(server)).isPositive();
        assertStatus(importImage(server, MEMBER_A, id, "{\"method\": {\"name\": \"glance-direct\"}}"), 202);
        JsonNode task = awaitTaskEnd(server, id);
        assertThat(task.get("status").asText()).as(task.toString()).isEqualTo("success");
        assertThat(task.get("user_id").asText()).isEqualTo("member-a");
        assertThat(task.get("message").asText()).isEqualTo("Copied 1 MiB");
        assertThat(task.get("input"))
                .isEqualTo(parse("{\"image_id\": \"" + id + "\", \"import_req\": {\"method\": {\"name\":"
                        + " \"glance-direct\"}}, \"backend\": [null]}"));
        JsonNode image = awaitImage(server, id, "active");
        assertThat(image.get("size").asLong()).isEqualTo(SOURCE.length);
        assertThat(image.get("checksum").asText()).isEqualTo(ImageFixtures.hex("MD5", SOURCE));
        assertThat(image.has("os_glance_import_task")).isFalse();
        assertThat(image.get("os_glance_importing_to_stores").asText()).isEmpty();
        assertThat(download(server, id)).isEqualTo(SOURCE);
        assertThat(stagedFile(server, id)).doesNotExist();
    }

    @Test
    void dataStagedForAnImageDeletedBeforeItsImportIsRemoved() {
        try (LoupeServer sweeping = LoupeServer.withWorkers(
                dir.resolve("sweeping"),
                UnaryOperator.identity(),
                "task.lease_duration=1",
                "task.heartbeat_interval=0.25",
                "task.poll_interval=0.2")) {
            String kept = queued(sweeping, "kept");
            String deleted = queued(sweeping, "deleted");
            assertStatus(stage(sweeping, kept, OCTET, SOURCE), 204);
            assertStatus(stage(sweeping, deleted, OCTET, SOURCE), 204);
            assertStatus(sweeping.client().send("DELETE", "/v2/images/" + deleted, ADMIN_A, null), 204);
            dev.loupe.testing.Await.until(
                    Duration.ofSeconds(30),
                    () -> Files.notExists(stagedFile(sweeping, deleted)),
                    "the staged data of deleted image " + deleted + " removed");
            // The image still staged keeps its data for its glance-direct import.
            assertThat(stagedFile(sweeping, kept)).exists();
            assertStatus(importImage(sweeping, ADMIN_A, kept, "{\"method\": {\"name\": \"glance-direct\"}}"), 202);
            awaitImage(sweeping, kept, "active");
            assertThat(stagedFile(sweeping, kept)).doesNotExist();
        }
    }

    /**
     * A stage cut off by a stopped process leaves its partial file and the image {@code uploading}: the sweep removes
     * the file once it has been untouched for an hour and queues the image again. A fresh partial file (a stage
     * still running) and complete staged data are left alone.
     */
    @Test
    void aStageCutOffByAStoppedProcessIsSweptAndItsImageQueuedAgain() throws IOException {
        try (LoupeServer sweeping = LoupeServer.withWorkers(
                dir.resolve("cut-off"),
                UnaryOperator.identity(),
                "task.lease_duration=1",
                "task.heartbeat_interval=0.25",
                "task.poll_interval=0.2")) {
            String cutOff = queued(sweeping, "cut-off");
            String running = queued(sweeping, "running");
            String complete = queued(sweeping, "complete");
            for (String id : new String[] {cutOff, running, complete}) {
                assertStatus(stage(sweeping, id, OCTET, SOURCE), 204);
            }
            // What a process stopped mid-stage leaves: the image uploading, the data under its partial name.
            Path cutOffPart = stagedFile(sweeping, cutOff).resolveSibling(cutOff + ".part");
            Files.move(stagedFile(sweeping, cutOff), cutOffPart);
            Files.setLastModifiedTime(
                    cutOffPart,
                    java.nio.file.attribute.FileTime.from(
                            java.time.Instant.now().minus(Duration.ofHours(2))));
            Path runningPart = stagedFile(sweeping, running).resolveSibling(running + ".part");
            Files.move(stagedFile(sweeping, running), runningPart);

            awaitImage(sweeping, cutOff, "queued");
            assertThat(cutOffPart).doesNotExist();
            assertThat(runningPart).exists();
            assertThat(show(sweeping, running).get("status").asText()).isEqualTo("uploading");
            assertThat(stagedFile(sweeping, complete)).exists();
            assertThat(show(sweeping, complete).get("status").asText()).isEqualTo("uploading");
            // Queued again, the image takes a new stage and imports it.
            assertStatus(stage(sweeping, cutOff, OCTET, SOURCE), 204);
            assertStatus(importImage(sweeping, ADMIN_A, cutOff, "{\"method\": {\"name\": \"glance-direct\"}}"), 202);
            assertThat(awaitImage(sweeping, cutOff, "active").get("size").asLong())
                    .isEqualTo(SOURCE.length);
        }
    }

    static Path stagedFile(LoupeServer on, String id) {
        return on.dataDir().resolve("work").resolve("staging").resolve(id);
    }

    @Test
    void aFailedWebDownloadLeavesTheImageQueuedAndFreeForAnotherImport() {
        for (String uri : new String[] {url("/nosuch.raw"), "http://127.0.0.1:" + closedPort + "/x.raw"}) {
            String id = queued(server, "web-fails");
            assertStatus(importImage(server, ADMIN_A, id, webDownload(uri)), 202);
            JsonNode task = awaitTaskEnd(server, id);
            assertThat(task.get("status").asText()).as(task.toString()).isEqualTo("failure");
            assertThat(task.get("message").asText()).isNotEmpty();
            JsonNode image = awaitImage(server, id, "queued");
            assertThat(image.has("os_glance_import_task")).isFalse();
            assertThat(image.get("os_glance_failed_import").asText()).isEmpty();
            assertThat(image.get("os_glance_importing_to_stores").asText()).isEmpty();
            assertThat(image.get("size").isNull()).isTrue();
            // The lock is free: another import of the same image goes through.
            assertStatus(importImage(server, ADMIN_A, id, webDownload(url("/disk.raw"))), 202);
            awaitImage(server, id, "active");
        }
    }

    @Test
    void unsafeContentFailsEitherMethodAndNothingStaysStaged() {
        String web = create(server, "{\"disk_format\": \"qcow2\", \"container_format\": \"bare\"}");
        assertStatus(importImage(server, ADMIN_A, web, webDownload(url("/backing.qcow2"))), 202);
        JsonNode task = awaitTaskEnd(server, web);
        assertThat(task.get("status").asText()).isEqualTo("failure");
        assertThat(task.get("message").asText()).contains("backing file");
        assertThat(awaitImage(server, web, "queued").has("os_glance_import_task"))
                .isFalse();

        String direct = create(server, "{\"disk_format\": \"qcow2\", \"container_format\": \"bare\"}");
        assertStatus(stage(server, direct, OCTET, fixture("qcow2-backing.qcow2")), 204);
        assertStatus(importImage(server, ADMIN_A, direct, "{\"method\": {\"name\": \"glance-direct\"}}"), 202);
        JsonNode directTask = awaitTaskEnd(server, direct);
        assertThat(directTask.get("status").asText()).isEqualTo("failure");
        assertThat(directTask.get("message").asText()).contains("backing file");
        JsonNode image = awaitImage(server, direct, "queued");
        assertThat(image.get("size").isNull()).isTrue();
        assertThat(stagedFile(server, direct)).doesNotExist();
        // Queued again: glance-direct needs a new stage.
        assertJsonError(
                importImage(server, ADMIN_A, direct, "{\"method\": {\"name\": \"glance-direct\"}}"),
                409,
                "Image needs to be staged before 'glance-direct' method can be used");
    }
}
