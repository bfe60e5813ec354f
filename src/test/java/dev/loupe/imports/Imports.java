package dev.loupe.imports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the end-to-end import suites share: task bodies, fixtures, digests, and looks at the store and the rows. */
final class Imports {

    static final Map<String, String> ADMIN = Client.ADMIN_A;
    /** The project of {@link #ADMIN}: the owner of the images its tasks import (C10). */
    static final String PROJECT = "proj-a";

    static final Duration FINISH = Duration.ofSeconds(60);
    static final String FAST_POLL = "task.poll_interval=0.05";
    static final String LOOPBACK_ALLOWED = "import_filtering_opts.allowed_hosts=127.0.0.1";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Imports() {}

    /** Options for a server that may import from {@code source}: its port, and 127.0.0.1 despite the address check. */
    static String[] reaching(SourceServer source, String... more) {
        return Stream.concat(
                        Stream.of(FAST_POLL, LOOPBACK_ALLOWED, "import_filtering_opts.allowed_ports=" + source.port()),
                        Stream.of(more))
                .toArray(String[]::new);
    }

    /** A fixture of {@code src/test/resources/formats} (made by make-fixtures.sh there). */
    static byte[] fixture(String name) {
        try (InputStream in = Imports.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String md5(byte[] bytes) {
        return hex("MD5", bytes);
    }

    static String sha512(byte[] bytes) {
        return hex("SHA-512", bytes);
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code POST /v2/tasks} body of an import with the given input. */
    static String importBody(ObjectNode input) {
        ObjectNode body = JSON.createObjectNode().put("type", "import");
        body.set("input", input);
        return body.toString();
    }

    /** An input with the three required keys; {@code imageProperties} is JSON text. */
    static ObjectNode input(String importFrom, String imageProperties) {
        ObjectNode input =
                JSON.createObjectNode().put("import_from", importFrom).put("import_from_format", "raw");
        input.set("image_properties", parse(imageProperties));
        return input;
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the task and answers its id; fails unless the create answers 201. */
    static String create(Client client, ObjectNode input) {
        HttpResponse<String> created = client.post("/v2/tasks", ADMIN, importBody(input));
        assertThat(created.statusCode())
                .as("create answered %s", created.body())
                .isEqualTo(201);
        return Client.json(created).get("id").textValue();
    }

    /** Creates an import of {@code importFrom} as {@code diskFormat}/bare; answers the task id. */
    static String create(Client client, String importFrom, String diskFormat) {
        return create(
                client, input(importFrom, "{\"disk_format\": \"" + diskFormat + "\", \"container_format\": \"bare\"}"));
    }

    /** Polls until the task has finished, either way; answers its last view. */
    static JsonNode awaitFinished(Client client, String id) {
        return client.awaitEnd(id, ADMIN, FINISH);
    }

    /** Asserts the task failed with exactly this message, and answers its view. */
    static JsonNode assertFailed(Client client, String id, String message) {
        JsonNode view = assertFailed(client, id);
        assertThat(view.get("message").textValue()).isEqualTo(message);
        return view;
    }

    /** Asserts the task failed with a message matching the regular expression, and answers its view. */
    static JsonNode assertFailedMatching(Client client, String id, String regex) {
        JsonNode view = assertFailed(client, id);
        assertThat(view.get("message").textValue()).matches(regex);
        return view;
    }

    private static JsonNode assertFailed(Client client, String id) {
        JsonNode view = awaitFinished(client, id);
        assertThat(view.get("status").textValue()).as("task %s", view).isEqualTo("failure");
        assertThat(view.get("result").isNull()).as("result of %s", view).isTrue();
        return view;
    }

    /** The names of the files in a folder of the data directory, none when it does not exist. */
    static List<String> files(Path dataDir, String folder) {
        Path dir = dataDir.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The image store's folder (the default {@code filesystem_store_datadir}). */
    static Path store(Path dataDir) {
        return dataDir.resolve("images");
    }

    /**
     * Asserts that no image row of any kind and no file in the store or the conversion scratch folder exists: what
     * a server that has only ever failed imports must look like.
     */
    static void assertNothingLeft(Path dataDir) {
        ImageRows rows = new ImageRows(dataDir);
        assertThat(rows.rowCounts())
                .as("image rows")
                .containsOnlyKeys(ImageRows.TABLES)
                .allSatisfy((table, count) ->
                        assertThat(count).as("rows in %s", table).isZero());
        assertThat(files(dataDir, "images")).as("files in the store").isEmpty();
        assertThat(files(dataDir, "work"))
                .as("files in the conversion scratch folder")
                .isEmpty();
    }

    /**
     * Waits until the task's image is being saved and its partial file is in the store: the import is mid-stream,
     * with something to clean up. Answers the image id.
     */
    static String awaitMidStream(Path dataDir, String taskId) {
        ImageRows rows = new ImageRows(dataDir);
        record Seen(List<ImageRows.Image> images, List<String> store) {
            boolean midStream() {
                if (images.size() != 1 || !images.getFirst().status().equals("saving")) {
                    return false;
                }
                String id = images.getFirst().id();
                return store.stream().anyMatch(f -> f.startsWith(id + ".") && f.endsWith(".partial"));
            }
        }
        return Await.until(
                        FINISH,
                        () -> new Seen(rows.createdBy(taskId), files(dataDir, "images")),
                        Seen::midStream,
                        "task " + taskId + " to have an image being saved with a partial file")
                .images()
                .getFirst()
                .id();
    }

    /**
     * Asserts the task succeeded (result {"image_id"}, empty message) and that its image is the one active image it
     * made, owned by the task's project, stored as one complete file; answers the image.
     */
    static ImageRows.Image assertImported(Client client, Path dataDir, String taskId) {
        JsonNode view = awaitFinished(client, taskId);
        assertThat(view.get("status").textValue()).as("task %s", view).isEqualTo("success");
        assertThat(view.get("message").textValue()).isEmpty();
        assertThat(view.get("result").properties()).hasSize(1);
        String imageId = view.get("result").get("image_id").textValue();
        assertThat(view.get("owner").textValue()).isEqualTo(PROJECT);

        List<ImageRows.Image> made = new ImageRows(dataDir).createdBy(taskId);
        assertThat(made).extracting(ImageRows.Image::id).containsExactly(imageId);
        ImageRows.Image image = made.getFirst();
        assertThat(image.status()).isEqualTo("active");
        assertThat(image.deleted()).isFalse();
        assertThat(image.owner()).isEqualTo(PROJECT);
        assertThat(image.taskId()).isEqualTo(taskId);
        Path file = store(dataDir).resolve(imageId).toAbsolutePath().normalize();
        assertThat(image.location()).isEqualTo(file.toUri().toString());
        assertThat(files(dataDir, "images"))
                .contains(imageId)
                .noneMatch(f -> f.startsWith(imageId + ".") && f.endsWith(".partial"));
        return image;
    }

    /** The bytes stored at the image's location. */
    static byte[] stored(ImageRows.Image image) {
        try {
            return Files.readAllBytes(Path.of(URI.create(image.location())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that the store holds exactly the data of the images in the database, all active, and nothing
     * partial: on a server that also completes imports, a failed one has left nothing.
     */
    static void assertStoreMatchesRows(Path dataDir, String failedTaskId) {
        ImageRows rows = new ImageRows(dataDir);
        assertThat(rows.createdBy(failedTaskId)).as("images of the failed task").isEmpty();
        List<ImageRows.Image> all = rows.all();
        assertThat(all).allSatisfy(image -> assertThat(image.status()).isEqualTo("active"));
        assertThat(files(dataDir, "images"))
                .as("files in the store")
                .containsExactlyInAnyOrderElementsOf(
                        all.stream().map(ImageRows.Image::id).toList());
        assertThat(files(dataDir, "work"))
                .as("files in the conversion scratch folder")
                .isEmpty();
    }
}
