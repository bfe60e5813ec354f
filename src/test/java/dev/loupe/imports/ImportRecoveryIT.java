package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.PROJECT;
import static dev.loupe.imports.Imports.assertFailed;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.files;
import static dev.loupe.imports.Imports.fixture;
import static dev.loupe.imports.Imports.store;
import static dev.loupe.imports.Imports.stored;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.config.Config;
import dev.loupe.db.Database;
import dev.loupe.engine.TaskFailure;
import dev.loupe.image.Activation;
import dev.loupe.image.Image;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageStatus;
import dev.loupe.imports.fetch.FetchSettings;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.store.FilesystemStore;
import dev.loupe.task.StoredJson;
import dev.loupe.task.Task;
import dev.loupe.task.TaskStatus;
import dev.loupe.task.TaskType;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import dev.loupe.testing.TaskRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an import cut off mid-way leaves behind (an image row queued or being saved, a partial or unpublished data
 * file) is removed before its task is run again or failed: directly through {@link ImportHandler#abandon}, and end
 * to end, with a task left {@code processing} under a dead node's lease that a real server recovers. What an ended
 * task left because its own cleanup failed is swept away by the engine's periodic sweep.
 */
class ImportRecoveryIT {

    private static final Duration FINISH = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    private SourceServer source;

    @BeforeEach
    void startSource() {
        source = SourceServer.start();
    }

    @AfterEach
    void stopSource() throws Exception {
        source.close();
    }

    @Test
    void abandonRemovesWhatAnInterruptedRunLeftAndNothingElse() throws Exception {
        String taskId = UUID.randomUUID().toString();
        String otherTaskId = UUID.randomUUID().toString();
        Path store = store(dataDir);
        try (Database database = Database.open("", dataDir)) {
            ImageRepository images = new ImageRepository(database.jdbi());
            FilesystemStore filesystem = new FilesystemStore(store).open();
            Leftovers seed = new Leftovers(images, store);
            String queued = seed.image(taskId, ImageStatus.QUEUED);
            String partial = seed.image(taskId, ImageStatus.SAVING);
            seed.file(partial + ".x.partial");
            seed.file(partial + "." + UUID.randomUUID() + ".partial");
            String unpublished = seed.image(taskId, ImageStatus.SAVING);
            seed.file(unpublished);
            String finished = seed.active(taskId);
            String others = seed.image(otherTaskId, ImageStatus.SAVING);
            seed.file(others + ".x.partial");
            ImageRows rows = new ImageRows(dataDir);
            assertThat(rows.createdBy(taskId)).hasSize(4);
            assertThat(rows.rowCounts()).containsEntry("image_tags", 5).containsEntry("image_properties", 5);

            // A run cut off while converting also left its scratch copy, a partial one and qemu-img's output.
            Path work = dataDir.resolve("work");
            Files.createDirectories(work);
            for (String name :
                    List.of(unpublished, partial + ".x.partial", unpublished + ".converted", others + ".converted")) {
                Files.write(work.resolve(name), new byte[] {1});
            }

            handler(images, filesystem).abandon(task(taskId, 2));

            assertThat(rows.createdBy(taskId)).extracting(ImageRows.Image::id).containsExactly(finished);
            for (String gone : List.of(queued, partial, unpublished)) {
                assertThat(rows.find(gone)).as("image %s", gone).isEmpty();
            }
            assertThat(rows.createdBy(otherTaskId))
                    .extracting(ImageRows.Image::id)
                    .containsExactly(others);
            // The two kept images, each with its one tag and one property; the finished one with its location.
            assertThat(rows.rowCounts())
                    .containsEntry("images", 2)
                    .containsEntry("image_tags", 2)
                    .containsEntry("image_properties", 2)
                    .containsEntry("image_locations", 1);
            assertThat(files(dataDir, "images")).containsExactlyInAnyOrder(finished, others + ".x.partial");
            assertThat(files(dataDir, "work")).containsExactly(others + ".converted");
        }
    }

    @Test
    void aRetriedTaskRemovesTheLeftoversOfItsFirstRunAndImportsAfresh() throws Exception {
        byte[] bytes = fixture("qcow2-v3.qcow2");
        source.serve("/image.qcow2", bytes);
        String taskId = orphanedTask("/image.qcow2", "qcow2");
        String leftover = seedLeftover(taskId);

        try (LoupeServer loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            Client client = loupe.client();
            ImageRows.Image image = assertImported(client, dataDir, taskId);

            assertThat(image.id()).isNotEqualTo(leftover);
            assertThat(stored(image)).isEqualTo(bytes);
            assertThat(new ImageRows(dataDir).find(leftover)).isEmpty();
            assertThat(new ImageRows(dataDir).rowCounts())
                    .containsEntry("images", 1)
                    .containsEntry("image_tags", 0)
                    .containsEntry("image_properties", 0);
            assertThat(files(dataDir, "images")).containsExactly(image.id());
            assertThat(new TaskRows(dataDir).row(taskId).attempts()).isEqualTo(2);
            assertThat(source.requests("/image.qcow2")).isEqualTo(1);
        }
    }

    @Test
    void aRetriedTaskWhoseImageWasAlreadyActiveReturnsItWithoutFetchingAgain() throws Exception {
        byte[] bytes = fixture("raw.raw");
        source.serve("/done.raw", bytes);
        String taskId = orphanedTask("/done.raw", "raw");
        String finished;
        try (Database database = Database.open("", dataDir)) {
            finished = new Leftovers(new ImageRepository(database.jdbi()), store(dataDir)).active(taskId);
        }

        try (LoupeServer loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            ImageRows.Image image = assertImported(loupe.client(), dataDir, taskId);
            assertThat(image.id()).isEqualTo(finished);
            assertThat(source.requests("/done.raw")).isZero();
        }
    }

    @Test
    void aTaskOutOfAttemptsIsFailedAndItsLeftoversRemoved() throws Exception {
        source.serve("/image.raw", fixture("raw.raw"));
        String taskId = orphanedTask("/image.raw", "raw");
        seedLeftover(taskId);

        try (LoupeServer loupe = LoupeServer.withWorkers(
                dataDir, UnaryOperator.identity(), Imports.reaching(source, "task.max_attempts=1"))) {
            Client client = loupe.client();
            assertFailed(client, taskId, "Task interrupted: the worker running it stopped (attempt 1 of 1)");
            // The failure is written before the leftovers are removed; wait for the removal, then check all of it.
            awaitNoImages();
            assertThat(files(dataDir, "images")).isEmpty();
            assertThat(source.requests("/image.raw")).isZero();
        }
    }

    @Test
    void anEndedTaskWhoseCleanupFailedHasItsLeftoversSweptAway() throws Exception {
        source.serve("/image.raw", fixture("raw.raw"));
        String taskId = orphanedTask("/image.raw", "raw");
        // The task ended in failure, but its cleanup did not run (the database was down at that moment, say).
        new TaskRows(dataDir)
                .execute(
                        "UPDATE tasks SET status = 'failure', lease_owner = NULL,"
                                + " lease_expires_at = NULL WHERE id = ?",
                        taskId);
        seedLeftover(taskId);

        // The sweep runs on a node's own; the test only needs one running.
        LoupeServer loupe = LoupeServer.withWorkers(
                dataDir,
                UnaryOperator.identity(),
                Imports.reaching(source, "task.lease_duration=1", "task.heartbeat_interval=0.2"));
        try {
            awaitNoImages();
            assertThat(files(dataDir, "images")).isEmpty();
            assertThat(source.requests("/image.raw")).isZero();
        } finally {
            loupe.close();
        }
    }

    @Test
    void abandonKeepsContinuableDataForATaskThatRunsAgainAndNotForOneThatEnded() throws Exception {
        String taskId = UUID.randomUUID().toString();
        Path store = store(dataDir);
        try (Database database = Database.open("", dataDir)) {
            ImageRepository images = new ImageRepository(database.jdbi());
            FilesystemStore filesystem = new FilesystemStore(store).open();
            Leftovers seed = new Leftovers(images, store);
            String kept = seed.image(taskId, ImageStatus.SAVING);
            keptPartial(filesystem, kept, "\"v1\"", new byte[1000]);
            String plain = seed.image(taskId, ImageStatus.SAVING);
            seed.file(plain + ".x.partial");
            ImportHandler handler = handler(images, filesystem);

            handler.abandon(task(taskId, 2));

            assertThat(new ImageRows(dataDir).createdBy(taskId))
                    .extracting(ImageRows.Image::id)
                    .containsExactly(kept);
            assertThat(filesystem.unfinished(kept)).isPresent();

            handler.abandon(task(taskId, 2).fail("Task interrupted", Instant.now(), Duration.ofHours(1)));

            assertThat(new ImageRows(dataDir).createdBy(taskId)).isEmpty();
            assertThat(files(dataDir, "images")).isEmpty();
        }
    }

    @Test
    void aRetriedTaskContinuesFromTheDataItsFirstRunStored() throws Exception {
        byte[] bytes = new byte[5 << 20];
        new java.util.Random(5).nextBytes(bytes);
        int held = 3 << 20;
        RangedSource ranged = new RangedSource(bytes, "\"v1\"");
        source.handle("/resumed.raw", ranged);
        String taskId = orphanedTask("/resumed.raw", "raw");
        String leftover = seedKept(taskId, "\"v1\"", java.util.Arrays.copyOf(bytes, held));

        try (LoupeServer loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            ImageRows.Image image = assertImported(loupe.client(), dataDir, taskId);

            assertThat(image.id()).as("the first run's image, continued").isEqualTo(leftover);
            assertThat(stored(image)).isEqualTo(bytes);
            assertThat(image.checksum()).isEqualTo(Imports.md5(bytes));
            assertThat(image.osHashValue()).isEqualTo(Imports.sha512(bytes));
            assertThat(ranged.requests).containsExactly("bytes=" + held + "-|\"v1\"");
            assertThat(files(dataDir, "images")).containsExactly(image.id());
        }
    }

    @Test
    void aRetriedTaskWhoseSourceChangedStartsOverAndKeepsNothingOfTheFirstRun() throws Exception {
        byte[] bytes = new byte[5 << 20];
        new java.util.Random(6).nextBytes(bytes);
        RangedSource ranged = new RangedSource(bytes, "\"v2\"");
        source.handle("/changed.raw", ranged);
        String taskId = orphanedTask("/changed.raw", "raw");
        seedKept(taskId, "\"v1\"", new byte[3 << 20]);

        try (LoupeServer loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            ImageRows.Image image = assertImported(loupe.client(), dataDir, taskId);

            assertThat(stored(image)).isEqualTo(bytes);
            assertThat(image.checksum()).isEqualTo(Imports.md5(bytes));
            assertThat(ranged.requests).containsExactly("bytes=" + (3 << 20) + "-|\"v1\"");
            assertThat(files(dataDir, "images")).containsExactly(image.id());
        }
    }

    /** An image of the task being saved whose partial data, kept with the note, a next run can continue. */
    private String seedKept(String taskId, String note, byte[] held) throws Exception {
        try (Database database = Database.open("", dataDir)) {
            Leftovers seed = new Leftovers(new ImageRepository(database.jdbi()), store(dataDir));
            String id = seed.image(taskId, ImageStatus.SAVING);
            keptPartial(new FilesystemStore(store(dataDir)).open(), id, note, held);
            return id;
        }
    }

    private static void keptPartial(FilesystemStore store, String imageId, String note, byte[] held) throws Exception {
        try (dev.loupe.store.ImageStore.Upload upload = store.begin(imageId, note)) {
            upload.write(held, 0, held.length);
            upload.keep();
        }
    }

    /** Serves the bytes with an ETag, and the rest from a byte when If-Range names that ETag. */
    private static final class RangedSource implements SourceServer.Handler {
        final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final byte[] bytes;
        private final String etag;

        RangedSource(byte[] bytes, String etag) {
            this.bytes = bytes;
            this.etag = etag;
        }

        @Override
        public void answer(SourceServer.Request request, java.net.Socket socket, java.io.OutputStream out)
                throws Exception {
            String range = request.header("Range");
            requests.add(range + "|" + request.header("If-Range"));
            int from = range != null && etag.equals(request.header("If-Range"))
                    ? Integer.parseInt(range.substring(6, range.length() - 1))
                    : 0;
            if (from > 0) {
                SourceServer.head(
                        out,
                        "206 Partial Content",
                        "Content-Length: " + (bytes.length - from),
                        "Content-Range: bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length,
                        "Accept-Ranges: bytes",
                        "ETag: " + etag);
            } else {
                SourceServer.head(
                        out, "200 OK", "Content-Length: " + bytes.length, "Accept-Ranges: bytes", "ETag: " + etag);
            }
            out.write(bytes, from, bytes.length - from);
            out.flush();
        }
    }

    /**
     * An import task as a node that died while running it left it: created through the API of a server without
     * workers, then marked {@code processing}, attempt 1, under another node's lease that has run out.
     */
    private String orphanedTask(String path, String diskFormat) {
        String taskId;
        try (LoupeServer api = LoupeServer.start(dataDir, Imports.reaching(source))) {
            taskId = create(api.client(), source.url(path), diskFormat);
        }
        int changed = new TaskRows(dataDir)
                .execute(
                        "UPDATE tasks SET status = 'processing', attempts = 1,"
                                + " lease_owner = 'node-gone', lease_expires_at = ?, version = version + 1 WHERE id = ?",
                        TaskRows.microsAgo(Duration.ofMinutes(5)),
                        taskId);
        assertThat(changed).isEqualTo(1);
        return taskId;
    }

    /** An image of the task being saved, with tags, properties and a partial file. */
    private String seedLeftover(String taskId) throws IOException, TaskFailure {
        try (Database database = Database.open("", dataDir)) {
            Leftovers seed = new Leftovers(new ImageRepository(database.jdbi()), store(dataDir));
            String id = seed.image(taskId, ImageStatus.SAVING);
            seed.file(id + ".x.partial");
            assertThat(new ImageRows(dataDir).createdBy(taskId))
                    .extracting(ImageRows.Image::status)
                    .containsExactly("saving");
            return id;
        }
    }

    private void awaitNoImages() {
        ImageRows rows = new ImageRows(dataDir);
        Await.until(FINISH, () -> rows.rowCounts().get("images") == 0, "no image rows left");
        assertThat(rows.rowCounts())
                .allSatisfy((table, count) -> assertThat(count).as(table).isZero());
    }

    private ImportHandler handler(ImageRepository images, FilesystemStore filesystem) {
        Config config = Config.load(null, List.of(), dataDir);
        return new ImportHandler(
                images,
                filesystem,
                new Fetcher(FetchSettings.from(config)),
                new HashAlgorithm("sha512"),
                Conversion.to("", dataDir.resolve("work")),
                Clock.systemUTC());
    }

    private static Task task(String id, int attempts) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        JsonNode input = Imports.input(
                "http://127.0.0.1/never.raw", "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}");
        return new Task(
                id,
                TaskType.IMPORT,
                TaskStatus.PROCESSING,
                PROJECT,
                StoredJson.of(input),
                null,
                "",
                now,
                now,
                null,
                null,
                null,
                ADMIN.get("X-User-Id"),
                false,
                null,
                attempts,
                1,
                null);
    }

    /** Writes image rows and store files as an interrupted or finished run would have left them. */
    private record Leftovers(ImageRepository images, Path store) {

        /** An image of the task in the given state (queued or saving), with one tag and one property. */
        String image(String taskId, ImageStatus status) throws TaskFailure {
            Image queued = ImageRequest.from(Imports.parse("{\"disk_format\": \"raw\", \"container_format\":"
                            + " \"bare\", \"tags\": [\"left\"], \"left_by\": \"" + taskId + "\"}"))
                    .queued(UUID.randomUUID().toString(), PROJECT, taskId, Instant.now());
            images.insert(queued);
            if (status != ImageStatus.QUEUED) {
                assertThat(images.move(queued.id(), ImageStatus.QUEUED, status, Instant.now()))
                        .isTrue();
            }
            return queued.id();
        }

        /** An active image of the task, with its data in the store. */
        String active(String taskId) throws Exception {
            String id = image(taskId, ImageStatus.SAVING);
            byte[] bytes = fixture("raw.raw");
            Path file = file(id);
            Image saving = images.find(id).orElseThrow();
            assertThat(images.activate(
                            saving.activate(
                                    new Image.StoredData(
                                            file.toUri().toString(),
                                            bytes.length,
                                            (long) bytes.length,
                                            Imports.md5(bytes),
                                            "sha512",
                                            Imports.sha512(bytes),
                                            "raw"),
                                    Instant.now()),
                            new Activation.Upload()))
                    .isTrue();
            return id;
        }

        Path file(String name) throws IOException {
            Files.createDirectories(store);
            return Files.write(store.resolve(name), fixture("raw.raw"));
        }
    }
}
