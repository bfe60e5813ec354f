package dev.loupe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.ImageFixtures.NewImage;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loupe db purge}, run as operators run it: it hard-deletes tasks soft-deleted and images deleted longer
 * ago than the age given, with their details, and leaves everything else alone.
 */
class PurgeIT {

    /** A source on this machine, so no worker ever fetches from elsewhere. */
    private static final String SOURCE = "http://127.0.0.1/lifecycle.raw";

    private static final Duration RUN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Creates {@code n} tasks through the API of an in-JVM server on {@code data}, which is stopped afterwards. */
    private static List<String> createTasks(Path data, int n) {
        List<String> ids = new ArrayList<>();
        try (LoupeServer server = LoupeServer.start(data)) {
            Client http = Client.at(server.baseUrl());
            for (int i = 0; i < n; i++) {
                ids.add(http.createImportTask(i % 2 == 0 ? Client.ADMIN_A : Client.ADMIN_B, SOURCE)
                        .get("id")
                        .textValue());
            }
        }
        return ids;
    }

    private LoupeProcess purge(Path data, String... options) {
        List<String> args = new ArrayList<>(List.of("db", "purge"));
        args.addAll(List.of(options));
        args.addAll(List.of("--data-dir", data.toString()));
        return LoupeProcess.runJar(dir, RUN, args.toArray(String[]::new));
    }

    @Test
    void purgeRemovesOnlyTasksSoftDeletedBeforeTheCutoffWithTheirDetails() {
        Path data = dir.resolve("data");
        List<String> ids = createTasks(data, 6);
        TaskRows db = new TaskRows(data);
        List<String> old = ids.subList(0, 2);
        List<String> recent = ids.subList(2, 4);
        List<String> live = ids.subList(4, 6);
        old.forEach(id -> db.softDelete(id, TaskRows.microsAgo(Duration.ofDays(40))));
        recent.forEach(id -> db.softDelete(id, TaskRows.microsAgo(Duration.ofDays(5))));

        LoupeProcess run = purge(data, "--age-in-days", "30");

        assertThat(run.exitCode(RUN)).as(run.stderr()).isZero();
        assertThat(run.stdout()).as(run.stderr()).anyMatch(line -> line.matches("Purged 2 task\\(s\\).*"));
        List<String> remaining = new ArrayList<>(recent);
        remaining.addAll(live);
        assertThat(db.taskIds()).containsExactlyInAnyOrderElementsOf(remaining);
        recent.forEach(id -> assertThat(db.deletion(id).deleted()).isTrue());
        live.forEach(id -> assertThat(db.deletion(id).deleted()).isFalse());

        // Nothing else is old enough: a second run purges nothing and says so.
        LoupeProcess again = purge(data, "--age-in-days", "30");
        assertThat(again.exitCode(RUN)).as(again.stderr()).isZero();
        assertThat(again.stdout()).anyMatch(line -> line.matches("Purged 0 task\\(s\\).*"));
        assertThat(db.taskIds()).containsExactlyInAnyOrderElementsOf(remaining);
    }

    @Test
    void purgeRemovesImagesDeletedBeforeTheCutoffWithTheirTagsAndProperties() {
        Path data = dir.resolve("data");
        createTasks(data, 1);
        String old;
        String recent;
        String live;
        try (ImageFixtures images = new ImageFixtures(data)) {
            old = images.insert(NewImage.image().tags("a").properties("k", "v")).id();
            recent = images.insert(NewImage.image().tags("b")).id();
            live = images.insert(NewImage.image()).id();
            images.repository().softDelete(old, Instant.now().minus(Duration.ofDays(40)));
            images.repository().softDelete(recent, Instant.now().minus(Duration.ofDays(5)));
        }

        LoupeProcess run = purge(data, "--age-in-days", "30");

        assertThat(run.exitCode(RUN)).as(run.stderr()).isZero();
        assertThat(run.stdout()).anyMatch(line -> line.matches("Purged 0 task\\(s\\) and 1 image\\(s\\).*"));
        try (ImageFixtures images = new ImageFixtures(data)) {
            assertThat(images.find(old)).isEmpty();
            assertThat(images.find(recent))
                    .hasValueSatisfying(image -> assertThat(image.deleted()).isTrue());
            assertThat(images.find(live))
                    .hasValueSatisfying(image -> assertThat(image.deleted()).isFalse());
        }
        assertThat(new ImageRows(data).rowCounts())
                .containsEntry("images", 2)
                .containsEntry("image_tags", 1)
                .containsEntry("image_properties", 0);
    }

    @Test
    void maxRowsBoundsHowManyTasksOneRunRemoves() {
        Path data = dir.resolve("data");
        List<String> ids = createTasks(data, 4);
        TaskRows db = new TaskRows(data);
        for (int i = 0; i < 3; i++) {
            db.softDelete(ids.get(i), TaskRows.microsAgo(Duration.ofDays(40 + i)));
        }

        LoupeProcess run = purge(data, "--age-in-days", "30", "--max-rows", "1");

        assertThat(run.exitCode(RUN)).as(run.stderr()).isZero();
        assertThat(run.stdout()).anyMatch(line -> line.matches("Purged 1 task\\(s\\).*"));
        assertThat(db.taskIds()).hasSize(3).contains(ids.get(3));
    }

    /** glance-manage refuses {@code max_rows < -1} ("Minimal rows limit is -1."); -1 alone means no bound. */
    @Test
    void aMaxRowsBelowMinusOneIsRefusedAndNothingIsRemoved() {
        Path data = dir.resolve("data");
        List<String> ids = createTasks(data, 2);
        TaskRows db = new TaskRows(data);
        db.softDelete(ids.getFirst(), TaskRows.microsAgo(Duration.ofDays(40)));

        LoupeProcess run = purge(data, "--age-in-days", "30", "--max-rows", "-2");

        assertThat(run.exitCode(RUN)).isNotZero();
        assertThat(run.stderr()).contains("--max-rows");
        assertThat(db.taskIds()).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void maxRowsMinusOneMeansNoBound() {
        Path data = dir.resolve("data");
        List<String> ids = createTasks(data, 3);
        TaskRows db = new TaskRows(data);
        ids.forEach(id -> db.softDelete(id, TaskRows.microsAgo(Duration.ofDays(31))));

        LoupeProcess run = purge(data, "--age-in-days", "30", "--max-rows", "-1");

        assertThat(run.exitCode(RUN)).as(run.stderr()).isZero();
        assertThat(db.taskIds()).isEmpty();
    }

    @Test
    void aNegativeAgeIsRefusedAndNothingIsRemoved() {
        Path data = dir.resolve("data");
        List<String> ids = createTasks(data, 2);
        TaskRows db = new TaskRows(data);
        db.softDelete(ids.getFirst(), TaskRows.microsAgo(Duration.ofDays(40)));

        LoupeProcess run = purge(data, "--age-in-days", "-1");

        assertThat(run.exitCode(RUN)).isNotZero();
        assertThat(run.stderr()).contains("--age-in-days");
        assertThat(run.stdout()).noneMatch(line -> line.startsWith("Purged"));
        assertThat(db.taskIds()).containsExactlyInAnyOrderElementsOf(ids);
    }
}
