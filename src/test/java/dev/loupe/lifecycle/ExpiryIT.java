package dev.loupe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract decision C13: a periodic sweep soft-deletes expired tasks of every project (no reads needed, no project
 * left behind); they vanish from lists and from non-admins' show, admins can still show them; tasks that have no
 * expiry (not finished) are never soft-deleted.
 */
class ExpiryIT {

    /** A source on this machine, so no worker ever fetches from elsewhere. */
    private static final String SOURCE = "http://127.0.0.1/lifecycle.raw";

    @TempDir
    Path dir;

    @Test
    void theSweepSoftDeletesExpiredTasksOfEveryProjectAndNothingElse() throws IOException {
        Path data = dir.resolve("data");
        // Members may use the Tasks API here, so that what a non-admin sees can be checked.
        Path policy =
                Files.writeString(dir.resolve("policy.yaml"), "tasks_api_access: \"role:admin or role:member\"\n");
        try (LoupeServer server =
                LoupeServer.start(data, "task.expiry_interval=1", "oslo_policy.policy_file=" + policy)) {
            // No engine here: the tasks stay pending until the test changes their rows.
            assertThat(server.engine()).isEmpty();
            Client http = server.client();
            TaskRows db = new TaskRows(data);
            String expiredA =
                    http.createImportTask(Client.ADMIN_A, SOURCE).get("id").textValue();
            String expiredB =
                    http.createImportTask(Client.ADMIN_B, SOURCE).get("id").textValue();
            String noExpiry =
                    http.createImportTask(Client.ADMIN_A, SOURCE).get("id").textValue();
            String notYet =
                    http.createImportTask(Client.ADMIN_A, SOURCE).get("id").textValue();
            // The tasks to keep are set first, so the sweep that deletes the expired ones has seen them as they stay.
            db.finish(notYet, TaskRows.microsAgo(Duration.ofHours(-1)));
            db.clearExpiry(noExpiry); // pending, with no expiry
            db.finish(expiredA, TaskRows.microsAgo(Duration.ofHours(1)));
            db.finish(expiredB, TaskRows.microsAgo(Duration.ofSeconds(1)));

            // No request in between: only the sweep can do this (and for proj-b, nobody of proj-b ever lists).
            awaitDeleted(db, expiredA, expiredB);
            // One more whole turn of the sweep, seen by a task expired only now, leaves the others alone too.
            String marker =
                    http.createImportTask(Client.ADMIN_A, SOURCE).get("id").textValue();
            db.finish(marker, TaskRows.microsAgo(Duration.ofSeconds(1)));
            awaitDeleted(db, marker);
            assertThat(db.deletion(noExpiry)).isEqualTo(new TaskRows.Deletion(false, null));
            assertThat(db.deletion(notYet)).isEqualTo(new TaskRows.Deletion(false, null));
            assertThat(db.deletion(expiredA).deletedAt()).isNotNull();

            assertThat(listedIds(http, Client.ADMIN_A))
                    .contains(noExpiry, notYet)
                    .doesNotContain(expiredA, expiredB);
            assertThat(listedIds(http, Client.MEMBER_A))
                    .contains(noExpiry, notYet)
                    .doesNotContain(expiredA);
            assertThat(listedIds(http, Client.ADMIN_B)).doesNotContain(expiredA, expiredB);

            HttpResponse<String> memberShow = http.get("/v2/tasks/" + expiredA, Client.MEMBER_A);
            assertThat(memberShow.statusCode()).isEqualTo(404);
            assertThat(memberShow.body()).contains("Could not find task " + expiredA);
            assertThat(http.get("/v2/tasks/" + noExpiry, Client.MEMBER_A).statusCode())
                    .isEqualTo(200);

            for (Map<String, String> admin : List.of(Client.ADMIN_A, Client.ADMIN_B)) {
                HttpResponse<String> shown = http.get("/v2/tasks/" + expiredA, admin);
                assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
                JsonNode view = Client.json(shown);
                assertThat(view.get("id").textValue()).isEqualTo(expiredA);
                assertThat(view.get("status").textValue()).isEqualTo("failure");
                assertThat(view.has("expires_at")).isTrue();
            }
            HttpResponse<String> ownerAdminShowsB = http.get("/v2/tasks/" + expiredB, Client.ADMIN_B);
            assertThat(ownerAdminShowsB.statusCode()).isEqualTo(200);
        }
    }

    private static void awaitDeleted(TaskRows db, String... ids) {
        Await.until(
                Duration.ofSeconds(15),
                () -> Arrays.stream(ids)
                        .filter(id -> !db.deletion(id).deleted())
                        .toList(),
                List::isEmpty,
                "the sweep to soft-delete " + List.of(ids));
    }

    private static List<String> listedIds(Client http, Map<String, String> who) {
        HttpResponse<String> listed = http.get("/v2/tasks?limit=1000", who);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Client.json(listed).get("tasks").forEach(t -> ids.add(t.get("id").textValue()));
        return ids;
    }
}
