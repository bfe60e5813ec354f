package dev.loupe.db;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.compat.PythonJson;
import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskRowMapper;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.Postgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same schema and SQL on PostgreSQL: migrations, keyset paging in every order, the engine's versioned
 * writes, expiry and purge, against a real PostgreSQL server (embedded binaries from Maven Central).
 */
class PostgresPortabilityIT {

    private static final List<String> SORT_KEYS = List.of(
            "created_at",
            "updated_at",
            "id",
            "status",
            "type",
            "owner",
            "expires_at",
            "image_id",
            "request_id",
            "user_id",
            "deleted_at",
            "deleted");

    private static EmbeddedPostgres postgres;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    private static String connection() {
        return "database.connection=" + postgres.getJdbcUrl("postgres", "postgres");
    }

    @Test
    void pagingFollowsNextLinksInEveryOrderWithoutGapsOrRepeats() {
        try (LoupeServer server = LoupeServer.withWorkers(
                dir.resolve("paging"), UnaryOperator.identity(), connection(), "task.poll_interval=0.2")) {
            Client client = server.client();
            Set<String> created = new HashSet<>();
            for (int i = 0; i < 23; i++) {
                String body =
                        """
                        {"type": "%s", "input": {"import_from": "http://example.com/%d", "image_id": "%s"}}""".formatted(i % 3 == 0 ? "api_image_import" : "import", i, i % 2 == 0 ? "img-" + i : "");
                HttpResponse<String> response =
                        client.post("/v2/tasks", Client.identity("user-" + (i % 4), "proj-" + (i % 5), "admin"), body);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
                created.add(Client.json(response).get("id").textValue());
            }
            awaitAllFinished(client, created.size());
            for (String key : SORT_KEYS) {
                for (String dir : List.of("asc", "desc")) {
                    List<String> whole =
                            ids(client.get("/v2/tasks?limit=1000&sort_key=" + key + "&sort_dir=" + dir, ADMIN_A));
                    List<String> paged = new ArrayList<>();
                    String next = "/v2/tasks?limit=4&sort_key=" + key + "&sort_dir=" + dir;
                    while (next != null) {
                        HttpResponse<String> page = client.get(next, ADMIN_A);
                        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                        paged.addAll(ids(page));
                        JsonNode link = Client.json(page).get("next");
                        next = link == null ? null : link.textValue();
                    }
                    assertThat(paged).as("%s %s", key, dir).containsExactlyElementsOf(whole);
                    assertThat(new HashSet<>(whole)).as("%s %s", key, dir).isEqualTo(created);
                }
            }
            HttpResponse<String> filtered = client.get("/v2/tasks?owner=proj-1&type=import&status=failure", ADMIN_A);
            assertThat(ids(filtered))
                    .isNotEmpty()
                    .allSatisfy(id -> assertThat(Client.json(client.get("/v2/tasks/" + id, ADMIN_A))
                                    .get("owner")
                                    .textValue())
                            .isEqualTo("proj-1"));
        }
    }

    @Test
    void sessionsRunWithoutJitAndEndTransactionsLeftIdle() {
        try (Database db = Database.open(Postgres.freshDatabase(), dir)) {
            String jit = db.jdbi()
                    .withHandle(
                            h -> h.createQuery("SHOW jit").mapTo(String.class).one());
            String idle = db.jdbi()
                    .withHandle(h -> h.createQuery("SHOW idle_in_transaction_session_timeout")
                            .mapTo(String.class)
                            .one());
            assertThat(jit).isEqualTo("off");
            assertThat(idle).isEqualTo("10s");
        }
    }

    @Test
    void tasksWrittenBeforeTheirDetailsMovedIntoTheirRowsKeepThem() throws Exception {
        String url = Postgres.freshDatabase();
        Flyway.configure()
                .dataSource(url, null, null)
                .locations("classpath:db/migration")
                .target("6")
                .load()
                .migrate();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO tasks (id, type, status, owner, created_at, updated_at) VALUES"
                    + " ('t-1', 'import', 'failure', 'p', 1, 2), ('t-2', 'import', 'success', 'p', 3, 4)");
            s.execute("INSERT INTO task_info (task_id, input, result, message) VALUES"
                    + " ('t-1', '{\"a\": 1}', NULL, 'It broke'), ('t-2', '{}', '{\"image_id\": \"i\"}', '')");
        }

        try (Database db = Database.open(url, dir)) {
            List<String> rows = db.jdbi()
                    .withHandle(h -> h.createQuery("SELECT id || ' ' || input || ' ' || COALESCE(result, '-') || ' '"
                                    + " || message FROM tasks ORDER BY id")
                            .mapTo(String.class)
                            .list());
            assertThat(rows).containsExactly("t-1 {\"a\": 1} - It broke", "t-2 {} {\"image_id\": \"i\"} ");
            Boolean gone = db.jdbi()
                    .withHandle(h -> h.createQuery("SELECT to_regclass('task_info') IS NULL")
                            .mapTo(Boolean.class)
                            .one());
            assertThat(gone).isTrue();
        }
    }

    @Test
    void expiredTasksAreSoftDeletedThenPurged() {
        // A database of its own, whose expiry job (run once at the server's start) leaves the expiring to the test.
        String database = Postgres.freshDatabase();
        try (LoupeServer server = LoupeServer.withWorkers(
                dir.resolve("purge"),
                UnaryOperator.identity(),
                "database.connection=" + database,
                "task.poll_interval=0.2",
                "task.expiry_interval=3600",
                "task.task_time_to_live=0")) {
            Client client = server.client();
            client.createImportTask(ADMIN_A);
            awaitAllFinished(client, 1);
        }
        try (Database db = Database.open(database, dir)) {
            TaskRepository tasks = new TaskRepository(db, new TaskRowMapper(PythonJson.mapper()));
            assertThat(tasks.softDeleteExpired(Instant.now().plusSeconds(1), 1000))
                    .isEqualTo(1);
            assertThat(tasks.purge(new PurgeWindow(Instant.now().plus(Duration.ofDays(1)), 1, db.dialect())))
                    .isEqualTo(1);
            assertThat(tasks.purge(new PurgeWindow(Instant.now().plus(Duration.ofDays(1)), -1, db.dialect())))
                    .isZero();
        }
    }

    /**
     * The interoperable import's SQL on PostgreSQL: the lock property taken, kept by a PATCH, moved with the status
     * (uploading, importing, active), the lease-checked activation, and a second import refused while the first is
     * held.
     */
    @Test
    void glanceDirectImportHoldsAndReleasesItsImage() {
        String database = Postgres.freshDatabase();
        try (LoupeServer server = LoupeServer.withWorkers(
                dir.resolve("interop"),
                UnaryOperator.identity(),
                "database.connection=" + database,
                "task.poll_interval=0.2")) {
            Client client = server.client();
            Map<String, String> json = new LinkedHashMap<>(ADMIN_A);
            json.put("Content-Type", "application/json");
            String id = Client.json(client.post(
                            "/v2/images", json, "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}"))
                    .get("id")
                    .textValue();
            Map<String, String> octet = new LinkedHashMap<>(ADMIN_A);
            octet.put("Content-Type", "application/octet-stream");
            assertThat(client.send("PUT", "/v2/images/" + id + "/stage", octet, "staged bytes")
                            .statusCode())
                    .isEqualTo(204);
            assertThat(client.post("/v2/images/" + id + "/import", json, "{\"method\": {\"name\": \"glance-direct\"}}")
                            .statusCode())
                    .isEqualTo(202);
            HttpResponse<String> second =
                    client.post("/v2/images/" + id + "/import", json, "{\"method\": {\"name\": \"glance-direct\"}}");
            assertThat(second.statusCode()).as(second.body()).isIn(409);
            Map<String, String> patch = new LinkedHashMap<>(ADMIN_A);
            patch.put("Content-Type", "application/openstack-images-v2.1-json-patch");
            assertThat(client.send(
                                    "PATCH",
                                    "/v2/images/" + id,
                                    patch,
                                    "[{\"op\": \"add\", \"path\": \"/color\", \"value\": \"red\"}]")
                            .statusCode())
                    .isEqualTo(200);
            JsonNode active = Await.until(
                    Duration.ofSeconds(30),
                    () -> Client.json(client.get("/v2/images/" + id, ADMIN_A)),
                    image -> image.get("status").textValue().equals("active"),
                    "image " + id + " imported");
            assertThat(active.get("size").asLong()).isEqualTo("staged bytes".length());
            assertThat(active.get("color").textValue()).isEqualTo("red");
            assertThat(active.has("os_glance_import_task")).isFalse();
            assertThat(active.get("os_glance_failed_import").textValue()).isEmpty();
        }
    }

    /**
     * The image queries on PostgreSQL: the list's scope and filters as SQL, keyset paging in mixed directions over
     * nullable columns, tags and properties loaded per page, the soft delete, and an image's tasks. On a database
     * of its own, so the task suites above see only their tasks.
     */
    @Test
    void imagesListPageFilterShowDownloadAndDelete() throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE loupe_images");
        }
        String connection = "database.connection=" + postgres.getJdbcUrl("postgres", "loupe_images");
        Path data = dir.resolve("images");
        try (LoupeServer server = LoupeServer.start(data, connection);
                ImageFixtures rows = new ImageFixtures(data, postgres.getJdbcUrl("postgres", "loupe_images"))) {
            Client client = server.client();
            Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
            String[] owners = {"proj-a", "proj-b", null};
            String[] visibilities = {"private", "public", "shared", "community"};
            Map<String, Image> byName = new LinkedHashMap<>();
            for (int i = 0; i < 14; i++) {
                String name = i % 5 == 4 ? null : "img-" + (i % 7);
                ImageFixtures.NewImage spec = ImageFixtures.NewImage.image()
                        .name(name)
                        .owner(owners[i % 3])
                        .visibility(visibilities[i % 4])
                        .createdAt(t0.plusSeconds(i / 2))
                        .data(ImageFixtures.NewImage.pattern(100 * (i % 4)))
                        .tags("t" + (i % 2), "all")
                        .properties("hw_n", String.valueOf(i % 3))
                        .isProtected(i == 6)
                        .diskFormat(i % 2 == 0 ? "raw" : null);
                if (i % 6 == 5) {
                    spec.status(ImageStatus.QUEUED);
                }
                Image image = rows.insert(spec);
                byName.put("#" + i, image);
            }
            List<String> orders = List.of(
                    "",
                    "&sort_dir=asc",
                    "&sort_key=name",
                    "&sort_key=size&sort_dir=asc",
                    "&sort=name:asc,size:desc",
                    "&sort=disk_format:desc,status:asc",
                    "&sort=size,updated_at:asc",
                    "&sort_key=container_format",
                    "&sort=id:asc");
            for (String order : orders) {
                for (Map<String, String> who : List.of(ADMIN_A, Client.MEMBER_A)) {
                    List<String> whole = imageIds(client.get("/v2/images?visibility=all&limit=100" + order, who));
                    List<String> paged = new ArrayList<>();
                    String next = "/v2/images?visibility=all&limit=3" + order;
                    while (next != null) {
                        HttpResponse<String> page = client.get(next, who);
                        paged.addAll(imageIds(page));
                        JsonNode link = Client.json(page).get("next");
                        next = link == null ? null : link.textValue();
                    }
                    assertThat(paged).as(order).containsExactlyElementsOf(whole);
                    assertThat(new HashSet<>(paged)).as(order).hasSize(paged.size());
                }
            }
            assertThat(imageIds(client.get("/v2/images?visibility=all&limit=100", ADMIN_A)))
                    .hasSize(14);
            // proj-a: its own (#0, #3, #6, #9, #12) plus public and community ones of others.
            assertThat(imageIds(client.get("/v2/images?limit=100&visibility=all", Client.MEMBER_A)))
                    .containsExactlyInAnyOrderElementsOf(ids(byName, 0, 1, 3, 5, 6, 7, 9, 11, 12, 13));
            assertThat(imageIds(client.get("/v2/images?limit=100&tag=t1&tag=all&hw_n=1&visibility=all", ADMIN_A)))
                    .containsExactlyInAnyOrderElementsOf(ids(byName, 1, 7, 13));
            assertThat(imageIds(client.get(
                            "/v2/images?limit=100&name=in:img-1,%22img-2%22&size_min=100"
                                    + "&size_max=200&visibility=all",
                            ADMIN_A)))
                    .containsExactlyInAnyOrderElementsOf(ids(byName, 1, 2));
            assertThat(imageIds(client.get(
                            "/v2/images?limit=100&created_at=gte:2026-03-01T00:00:06Z"
                                    + "&protected=false&visibility=all",
                            ADMIN_A)))
                    .containsExactlyInAnyOrderElementsOf(ids(byName, 12, 13));
            assertThat(imageIds(client.get("/v2/images?limit=100&protected=true&status=active", ADMIN_A)))
                    .containsExactly(byName.get("#6").id());

            Image shown = byName.get("#1");
            JsonNode view = Client.json(client.get("/v2/images/" + shown.id(), ADMIN_A));
            assertThat(view.get("hw_n").textValue()).isEqualTo("1");
            assertThat(view.get("tags")).hasSize(2);
            HttpResponse<String> file = client.get("/v2/images/" + shown.id() + "/file", ADMIN_A);
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-MD5")).hasValue(shown.checksum());

            HttpResponse<String> task = client.post("/v2/tasks", ADMIN_A, """
                    {"type": "import", "input": {"import_from": "http://example.com/x", "image_id": "%s"}}""".formatted(shown.id()));
            assertThat(task.statusCode()).as(task.body()).isEqualTo(201);
            JsonNode tasks = Client.json(client.get("/v2/images/" + shown.id() + "/tasks", ADMIN_A))
                    .get("tasks");
            assertThat(tasks).hasSize(1);
            assertThat(tasks.get(0).get("deleted").booleanValue()).isFalse();

            assertThat(client.send("DELETE", "/v2/images/" + shown.id(), ADMIN_A, null)
                            .statusCode())
                    .isEqualTo(204);
            Image deleted = rows.find(shown.id()).orElseThrow();
            assertThat(deleted.deleted()).isTrue();
            assertThat(deleted.status()).isEqualTo(ImageStatus.DELETED);
            assertThat(rows.file(shown)).doesNotExist();
            assertThat(client.get("/v2/images/" + shown.id(), ADMIN_A).statusCode())
                    .isEqualTo(404);
        }
    }

    private static List<String> ids(Map<String, Image> byName, int... numbers) {
        List<String> ids = new ArrayList<>();
        for (int n : numbers) {
            ids.add(byName.get("#" + n).id());
        }
        return ids;
    }

    private static List<String> imageIds(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Client.json(response).get("images").forEach(i -> ids.add(i.get("id").textValue()));
        return ids;
    }

    private static void awaitAllFinished(Client client, int atLeast) {
        Await.until(
                Duration.ofSeconds(30),
                () -> Client.json(client.get("/v2/tasks?limit=1000&status=failure", ADMIN_A))
                                .get("tasks")
                                .size()
                        >= atLeast,
                atLeast + " failed tasks on PostgreSQL");
    }

    private static List<String> ids(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Client.json(response).get("tasks").forEach(t -> ids.add(t.get("id").textValue()));
        return ids;
    }
}
