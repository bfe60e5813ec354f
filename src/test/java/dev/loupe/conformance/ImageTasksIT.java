package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static dev.loupe.testing.ImageFixtures.NewImage.image;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.image.Image;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TaskRows;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v2/images/{id}/tasks}, exactly as Glance answers it. */
class ImageTasksIT {

    static final List<String> RAW_KEYS = List.of(
            "id",
            "type",
            "status",
            "owner",
            "expires_at",
            "created_at",
            "updated_at",
            "deleted_at",
            "deleted",
            "image_id",
            "request_id",
            "user_id",
            "input",
            "result",
            "message");
    static final String PRIMITIVE_TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}";

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static ImageFixtures rows;
    static TaskRows tasks;
    static Image image;
    static String taskA;
    static String taskB;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir);
        client = server.client();
        rows = new ImageFixtures(dir);
        tasks = new TaskRows(dir);
        image = rows.insert(image().owner("proj-a").visibility("public"));
        taskA = create(ADMIN_A, image.id(), "café");
        taskB = create(ADMIN_B, image.id(), "b");
        create(ADMIN_A, "00000000-0000-0000-0000-000000000000", "elsewhere");
    }

    @AfterAll
    static void stop() {
        rows.close();
        server.close();
    }

    private static String create(Map<String, String> who, String imageId, String name) {
        HttpResponse<String> r = client.post(
                "/v2/tasks", with(who, "X-Openstack-Request-Id", "req-" + name.length()), """
                {"type": "import", "input": {"import_from": "http://example.com/x.raw", "image_id": "%s",
                 "import_from_format": "raw", "image_properties": {"name": "%s"}}}""".formatted(imageId, name));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Client.json(r).get("id").textValue();
    }

    private static JsonNode tasksOf(String id, Map<String, String> who) {
        return ok(client.get("/v2/images/" + id + "/tasks", who), 200);
    }

    private static List<String> taskIds(JsonNode body) {
        List<String> ids = new ArrayList<>();
        body.get("tasks").forEach(t -> ids.add(t.get("id").textValue()));
        return ids;
    }

    @Test
    void rowsAreRawDatabaseDictsWithMicrosecondTimesWithoutZone() {
        JsonNode body = tasksOf(image.id(), MEMBER_A);
        assertThat(keys(body)).containsExactly("tasks");
        JsonNode row = body.get("tasks").get(0);
        assertThat(keys(row)).containsExactlyElementsOf(RAW_KEYS);
        JsonNode shown = client.show(taskA, ADMIN_A);
        assertThat(row.get("id").textValue()).isEqualTo(taskA);
        assertThat(row.get("type").textValue()).isEqualTo("import");
        assertThat(row.get("status").textValue()).isEqualTo("pending");
        assertThat(row.get("owner").textValue()).isEqualTo("proj-a");
        assertThat(row.get("expires_at").isNull()).isTrue();
        assertThat(row.get("created_at").textValue())
                .matches(PRIMITIVE_TIME)
                .startsWith(shown.get("created_at").textValue().replace("Z", "."));
        assertThat(row.get("updated_at").textValue()).matches(PRIMITIVE_TIME);
        assertThat(row.get("deleted_at").isNull()).isTrue();
        assertThat(row.get("deleted").isBoolean()).isTrue();
        assertThat(row.get("deleted").booleanValue()).isFalse();
        assertThat(row.get("image_id").textValue()).isEqualTo(image.id());
        assertThat(row.get("request_id").textValue()).isEqualTo("req-4");
        assertThat(row.get("user_id").textValue()).isEqualTo("admin-a");
        assertThat(row.get("input")).isEqualTo(shown.get("input"));
        assertThat(row.get("result").isNull()).isTrue();
        assertThat(row.get("message").textValue()).isEmpty();
    }

    @Test
    void timesKeepTheirMicroseconds() {
        long micros = TaskRows.micros(Instant.parse("2026-11-26T18:12:28.000001Z"));
        tasks.execute("UPDATE tasks SET created_at = ? WHERE id = ?", micros, taskB);
        JsonNode row = tasksOf(image.id(), ADMIN_A).get("tasks").get(0);
        assertThat(row.get("id").textValue()).isEqualTo(taskB);
        assertThat(row.get("created_at").textValue()).isEqualTo("2026-11-26T18:12:28.000001");
    }

    @Test
    void nonAsciiIsEscapedAsUpstreamsSerializerDoes() {
        HttpResponse<String> r = client.get("/v2/images/" + image.id() + "/tasks", MEMBER_A);
        assertThat(r.body()).doesNotContain("café").containsIgnoringCase("caf\\u00e9");
        assertThat(parse(r.body())
                        .get("tasks")
                        .get(0)
                        .get("input")
                        .get("image_properties")
                        .get("name")
                        .textValue())
                .isEqualTo("café");
    }

    @Test
    void nonAdminsSeeTheirProjectsTasksWithoutTasksApiAccess() {
        assertThat(taskIds(tasksOf(image.id(), MEMBER_A))).containsExactly(taskA);
        assertThat(taskIds(tasksOf(image.id(), READER_B))).containsExactly(taskB);
    }

    @Test
    void adminsSeeEveryProjectsTasks() {
        assertThat(taskIds(tasksOf(image.id(), ADMIN_A))).containsExactlyInAnyOrder(taskA, taskB);
    }

    @Test
    void expiredTasksAreLeftOutAndDeletedOnesShownToAdminsOnly() {
        Image other = rows.insert(image().owner("proj-a"));
        String expired = create(ADMIN_A, other.id(), "expired");
        String deleted = create(ADMIN_A, other.id(), "deleted");
        String live = create(ADMIN_A, other.id(), "live");
        tasks.finish(expired, TaskRows.microsAgo(Duration.ofMinutes(1)));
        tasks.softDelete(deleted, TaskRows.microsAgo(Duration.ZERO));
        tasks.finish(live, TaskRows.micros(Instant.now().plus(Duration.ofHours(1))));

        assertThat(taskIds(tasksOf(other.id(), MEMBER_A))).containsExactly(live);
        JsonNode forAdmin = tasksOf(other.id(), ADMIN_A);
        assertThat(taskIds(forAdmin)).containsExactlyInAnyOrder(deleted, live);
        for (JsonNode row : forAdmin.get("tasks")) {
            if (row.get("id").textValue().equals(deleted)) {
                assertThat(row.get("deleted").booleanValue()).isTrue();
                assertThat(row.get("deleted_at").textValue()).matches(PRIMITIVE_TIME);
            } else {
                assertThat(row.get("status").textValue()).isEqualTo("failure");
                String expiresAt = row.get("expires_at").textValue();
                assertThat(expiresAt).matches(PRIMITIVE_TIME);
                assertThat(LocalDateTime.parse(expiresAt).toInstant(ZoneOffset.UTC))
                        .isAfter(Instant.now());
            }
        }
    }

    @Test
    void imageWithoutTasksGivesAnEmptyList() {
        Image lonely = rows.insert(image());
        HttpResponse<String> r = client.get("/v2/images/" + lonely.id() + "/tasks", MEMBER_A);
        assertThat(ok(r, 200).get("tasks")).isEmpty();
        assertThat(r.body()).isEqualTo("{\"tasks\":[]}");
    }

    @Test
    void invisibleOrUnknownImageGives404WithTheDefaultMessage() {
        Image hidden = rows.insert(image().owner("proj-a").visibility("private"));
        assertJsonError(client.get("/v2/images/" + hidden.id() + "/tasks", asJson(READER_B)), 404, NOT_FOUND);
        assertJsonError(
                client.get("/v2/images/00000000-0000-0000-0000-000000000000/tasks", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    @Test
    void bodyGives400() {
        HttpResponse<String> r = client.send("GET", "/v2/images/" + image.id() + "/tasks", asJson(MEMBER_A), "{}");
        assertJsonError(r, 400, "A body is not expected with this request.");
    }

    @Test
    void withoutCredentialsGives401() {
        assertJsonError(client.get("/v2/images/" + image.id() + "/tasks", asJson(ANONYMOUS)), 401, UNAUTHORIZED);
    }

    @Test
    void otherMethodsFindNoRouteAsUpstream() {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD")) {
            HttpResponse<String> r = client.send(method, "/v2/images/" + image.id() + "/tasks", asJson(ADMIN_A), null);
            assertThat(r.statusCode()).as(method).isEqualTo(404);
            assertThat(r.headers().firstValue("Allow")).as(method).isEmpty();
        }
    }
}
