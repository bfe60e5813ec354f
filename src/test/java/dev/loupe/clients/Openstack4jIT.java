package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.loupe.testing.Keystone;
import dev.loupe.testing.Keystone.User;
import dev.loupe.testing.LoupeServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.api.exceptions.ClientResponseException;
import org.openstack4j.api.image.v2.TaskService;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.model.image.v2.Task;
import org.openstack4j.openstack.OSFactory;

/**
 * Loupe driven by openstack4j, a third-party Java client, the way an operator's tooling would: log in to a real
 * Keystone v3, find the image service in the token's catalog, and use {@code imagesV2().tasks()} with the token,
 * which Loupe ({@code auth_strategy = keystone}) validates with that Keystone.
 */
class Openstack4jIT {

    /** Another project's admin: bootstrap's admin, of project {@code admin}. */
    private static final User ADMIN_B = Keystone.CLOUD_ADMIN;

    private static final User ADMIN_A = Keystone.ADMIN_A;
    private static final User MEMBER_A = Keystone.MEMBER_A;

    private static final Config CONFIG =
            Config.newConfig().withConnectionTimeout(5_000).withReadTimeout(15_000);

    @TempDir
    static Path keystoneDir;

    static Keystone keystone;

    @RegisterExtension
    static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);

    /** One port for every test's Loupe: Keystone caches the catalog, so the endpoint must not move. */
    static int port;

    @TempDir
    Path dataDir;

    private LoupeServer loupe;

    @BeforeAll
    static void startKeystone() throws IOException {
        keystone = Keystone.start(keystoneDir);
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        keystone.registerImageService("http://127.0.0.1:" + port);
    }

    @AfterAll
    static void stopKeystone() {
        if (keystone != null) {
            keystone.close();
        }
    }

    /** A fresh Loupe per test, so each starts without tasks, where the catalog says it is. */
    @BeforeEach
    void start() {
        loupe = LoupeServer.start(dataDir, KeystoneAuthIT.behind(keystone, "DEFAULT.bind_port=" + port));
    }

    @AfterEach
    void stop() {
        if (loupe != null) {
            loupe.close();
        }
    }

    @Test
    void createsShowsAndListsAnImportTask() {
        Token token = login(ADMIN_A);
        assertThat(token.getProject().getId()).isEqualTo(projectA());
        assertThat(session(token).getEndpoint()).isEqualTo(keystone.authUrl());
        assertThat(session(token).supportsImage()).isTrue();

        Map<String, Object> input = importInput("http://example.com/cirros.qcow2");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Task created = tasks(token)
                .create(Builders.taskBuilder().type("import").input(input).build());
        Instant after = Instant.now();

        assertThat(created).as("create answer").isNotNull();
        assertThat(created.getId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(created.getType()).isEqualTo("import");
        assertThat(created.getStatus()).isEqualTo(Task.TaskStatus.PENDING);
        assertThat(created.getInput()).isEqualTo(input);
        assertThat(created.getOwner()).isEqualTo(projectA());
        assertThat(created.getMessage()).isEmpty();
        assertThat(created.getResult()).isNull();
        assertThat(created.getSelf()).isEqualTo("/v2/tasks/" + created.getId());
        assertThat(created.getSchema()).isEqualTo("/v2/schemas/task");
        assertThat(created.getCreatedAt().toInstant()).isBetween(before, after);
        assertThat(created.getUpdatedAt()).isEqualTo(created.getCreatedAt());
        assertThat(created.getExpiresAt())
                .as("expires_at is only set once a task finishes")
                .isNull();

        Task shown = tasks(token).get(created.getId());
        assertThat(shown).as("show answer").isNotNull();
        assertThat(shown).usingRecursiveComparison().isEqualTo(created);

        List<? extends Task> listed = tasks(token).list();
        assertThat(listed).extracting(Task::getId).containsExactly(created.getId());
        Task stub = listed.get(0);
        assertThat(stub.getType()).isEqualTo("import");
        assertThat(stub.getStatus()).isEqualTo(Task.TaskStatus.PENDING);
        assertThat(stub.getOwner()).isEqualTo(projectA());
        assertThat(stub.getSelf()).isEqualTo("/v2/tasks/" + created.getId());
        assertThat(stub.getSchema()).isEqualTo("/v2/schemas/task");
        assertThat(stub.getCreatedAt()).isEqualTo(created.getCreatedAt());
        assertThat(stub.getUpdatedAt()).isEqualTo(created.getUpdatedAt());
        assertThat(stub.getInput()).as("list items are stubs, without input").isNull();
        assertThat(stub.getMessage())
                .as("list items are stubs, without message")
                .isNull();
        assertThat(stub.getResult()).as("list items are stubs, without result").isNull();
    }

    @Test
    void listsWithFiltersAndPagesThroughQueryParameters() {
        Token token = login(ADMIN_A);
        Task first = tasks(token).create(importTask("http://example.com/one.qcow2"));
        Task second = tasks(token).create(importTask("https://example.com/two.qcow2"));
        List<String> both = List.of(first.getId(), second.getId());

        assertThat(tasks(token).list(Map.of("status", "pending", "type", "import", "owner", projectA())))
                .extracting(Task::getId)
                .containsExactlyInAnyOrderElementsOf(both);
        assertThat(tasks(token).list(Map.of("status", "success"))).isEmpty();
        assertThat(tasks(token).list(Map.of("owner", projectB()))).isEmpty();
        assertThat(tasks(token).list(Map.of("id", second.getId())))
                .extracting(Task::getId)
                .containsExactly(second.getId());

        List<? extends Task> page1 = tasks(token).list(Map.of("limit", "1", "sort_key", "id", "sort_dir", "asc"));
        assertThat(page1).hasSize(1);
        List<? extends Task> page2 = tasks(token)
                .list(Map.of(
                        "limit",
                        "1",
                        "sort_key",
                        "id",
                        "sort_dir",
                        "asc",
                        "marker",
                        page1.get(0).getId()));
        assertThat(page2).hasSize(1);
        assertThat(List.of(page1.get(0).getId(), page2.get(0).getId())).containsExactlyInAnyOrderElementsOf(both);
        assertThat(tasks(token)
                        .list(Map.of(
                                "limit",
                                "1",
                                "sort_key",
                                "id",
                                "sort_dir",
                                "asc",
                                "marker",
                                page2.get(0).getId())))
                .isEmpty();
    }

    @Test
    void anotherProjectsAdminSeesEveryProjectsTasks() {
        Token tokenA = login(ADMIN_A);
        Task ofA = tasks(tokenA).create(importTask("http://example.com/cirros.qcow2"));

        Token tokenB = login(ADMIN_B);
        assertThat(tokenB.getProject().getId()).isEqualTo(projectB());
        assertThat(tasks(tokenB).list())
                .extracting(Task::getId, Task::getOwner)
                .containsExactly(tuple(ofA.getId(), projectA()));
        Task shownToB = tasks(tokenB).get(ofA.getId());
        assertThat(shownToB).usingRecursiveComparison().isEqualTo(ofA);

        Task ofB = tasks(tokenB).create(importTask("https://example.com/fedora.qcow2"));
        assertThat(ofB.getOwner()).as("the creator's project, from its token").isEqualTo(projectB());

        // Back to proj-a's session: its admin sees both projects' tasks too, and can filter by owner.
        assertThat(tasks(tokenA).list())
                .extracting(Task::getId, Task::getOwner)
                .containsExactlyInAnyOrder(tuple(ofA.getId(), projectA()), tuple(ofB.getId(), projectB()));
        assertThat(tasks(tokenA).list(Map.of("owner", projectB())))
                .extracting(Task::getId)
                .containsExactly(ofB.getId());
    }

    @Test
    void aBadRequestSurfacesAsAnOpenstack4jExceptionWith400() {
        Token token = login(ADMIN_A);
        Task invalid = Builders.taskBuilder()
                .type("invalid")
                .input(importInput("http://example.com/x.qcow2"))
                .build();

        assertThatThrownBy(() -> tasks(token).create(invalid))
                .isInstanceOfSatisfying(ClientResponseException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(e.getStatusCode().getCode()).isEqualTo(400);
                });
        assertThat(tasks(token).list()).as("nothing was created").isEmpty();
    }

    @Test
    void anUnknownTaskIsNullAndANonAdminIsRefused() {
        Token admin = login(ADMIN_A);
        assertThat(tasks(admin).get(UUID.randomUUID().toString()))
                .as("openstack4j maps 404 to null")
                .isNull();

        Token member = login(MEMBER_A);
        assertThatThrownBy(() -> tasks(member).list())
                .isInstanceOfSatisfying(
                        ClientResponseException.class,
                        e -> assertThat(e.getStatus()).isEqualTo(403));
        assertThatThrownBy(() -> tasks(member).create(importTask("http://example.com/cirros.qcow2")))
                .isInstanceOfSatisfying(
                        ClientResponseException.class,
                        e -> assertThat(e.getStatus()).isEqualTo(403));
        assertThat(tasks(admin).list()).isEmpty();
    }

    // --- openstack4j plumbing -------------------------------------------------------------------------------

    /** Logs in through openstack4j's own Keystone v3 client, scoped to the user's project. */
    private static Token login(User user) {
        OSClientV3 os = OSFactory.builderV3()
                .withConfig(CONFIG)
                .endpoint(keystone.authUrl())
                .credentials(user.name(), user.password(), Identifier.byName("Default"))
                .scopeToProject(Identifier.byName(user.project()), Identifier.byName("Default"))
                .authenticate();
        return os.getToken();
    }

    /** An openstack4j session for the token, bound to this thread (openstack4j keeps it in a thread-local). */
    private static OSClientV3 session(Token token) {
        return OSFactory.clientFromToken(token, CONFIG);
    }

    private static TaskService tasks(Token token) {
        return session(token).imagesV2().tasks();
    }

    private static String projectA() {
        return keystone.projectId(ADMIN_A.project());
    }

    private static String projectB() {
        return keystone.projectId(ADMIN_B.project());
    }

    private static Task importTask(String from) {
        return Builders.taskBuilder().type("import").input(importInput(from)).build();
    }

    private static Map<String, Object> importInput(String from) {
        return Map.of(
                "import_from",
                from,
                "import_from_format",
                "qcow2",
                "image_properties",
                Map.of("disk_format", "qcow2", "container_format", "bare", "name", "cirros"));
    }
}
