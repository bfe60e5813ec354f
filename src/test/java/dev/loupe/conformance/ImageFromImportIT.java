package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.ImageFixtures.NewImage;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clients do with an import task's result: the image it made, shown, listed, downloaded and deleted through
 * the Images API of the same server, whose engine and API share one store.
 */
class ImageFromImportIT {

    static final byte[] SOURCE = NewImage.pattern(3 * 1024 * 1024 + 5);

    @TempDir
    static Path dir;

    static HttpServer source;
    static LoupeServer server;
    static Client client;

    @BeforeAll
    static void start() throws IOException {
        source = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        source.createContext("/disk.raw", exchange -> {
            exchange.sendResponseHeaders(200, SOURCE.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(SOURCE);
            }
        });
        source.start();
        server = LoupeServer.withWorkers(
                dir,
                UnaryOperator.identity(),
                "task.poll_interval=0.2",
                "import_filtering_opts.allowed_hosts=[127.0.0.1]",
                "import_filtering_opts.allowed_ports=[" + source.getAddress().getPort() + "]");
        client = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
        source.stop(0);
    }

    @Test
    void importedImageIsShownListedDownloadedAndDeleted() throws Exception {
        HttpResponse<String> created = client.post(
                "/v2/tasks", ADMIN_A, """
                {"type": "import", "input": {"import_from": "http://127.0.0.1:%d/disk.raw", "import_from_format": "raw",
                 "image_properties": {"name": "imported", "disk_format": "raw", "container_format": "bare"}}}""".formatted(source.getAddress().getPort()));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String taskId = Client.json(created).get("id").textValue();
        JsonNode task = client.awaitStatus(taskId, ADMIN_A, "success", Duration.ofSeconds(60));
        String imageId = task.get("result").get("image_id").textValue();

        JsonNode image = ok(client.get("/v2/images/" + imageId, MEMBER_A), 200);
        assertThat(image.get("status").textValue()).isEqualTo("active");
        assertThat(image.get("name").textValue()).isEqualTo("imported");
        assertThat(image.get("owner").textValue()).isEqualTo("proj-a");
        assertThat(image.get("size").longValue()).isEqualTo(SOURCE.length);
        assertThat(image.get("checksum").textValue()).isEqualTo(ImageFixtures.hex("MD5", SOURCE));
        assertThat(image.get("os_hash_value").textValue()).isEqualTo(ImageFixtures.hex("SHA-512", SOURCE));
        assertThat(ImageListIT.imageIds(ok(client.get("/v2/images", MEMBER_A), 200)))
                .contains(imageId);
        assertJsonError(
                client.get("/v2/images/" + imageId, asJson(READER_B)), 404, "No image found with ID " + imageId);

        HttpResponse<byte[]> data = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/images/" + imageId + "/file"))
                                .headers(
                                        "X-Identity-Status", "Confirmed", "X-Project-Id", "proj-a", "X-Roles", "member")
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(data.statusCode()).isEqualTo(200);
        assertThat(data.body()).isEqualTo(SOURCE);
        assertThat(data.headers().firstValue("Content-MD5"))
                .hasValue(image.get("checksum").textValue());

        // Unlike upstream, the import task names the image it made, and the image lists that task.
        assertThat(task.get("image_id").textValue()).isEqualTo(imageId);
        JsonNode imageTasks = ok(client.get("/v2/images/" + imageId + "/tasks", MEMBER_A), 200)
                .get("tasks");
        assertThat(imageTasks).hasSize(1);
        assertThat(imageTasks.get(0).get("id").textValue()).isEqualTo(taskId);

        assertThat(client.send("DELETE", "/v2/images/" + imageId, MEMBER_A, null)
                        .statusCode())
                .isEqualTo(204);
        try (var files = Files.list(dir.resolve("images"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(imageId));
        }
        assertThat(client.get("/v2/images/" + imageId + "/file", MEMBER_A).statusCode())
                .isEqualTo(404);
    }
}
