package dev.loupe.clients;

import dev.loupe.clients.KeystoneV3StandIn.Account;
import dev.loupe.testing.LoupeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.api.exceptions.ClientResponseException;
import org.openstack4j.api.image.v2.TaskService;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Role;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.model.image.v2.Task;
import org.openstack4j.openstack.OSFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Loupe driven by openstack4j, a third-party Java client, the way an operator's tooling would: log in to Keystone
 * v3, find the image service in the token's catalog, and use {@code imagesV2().tasks()}.
 *
 * <p>There is no Keystone and no authenticating proxy here, so a {@link KeystoneV3StandIn} issues the tokens and
 * each openstack4j session sends, through its own {@code headers(Map)} hook, the identity headers that
 * keystonemiddleware would derive from its token ({@code X-Identity-Status}, {@code X-Project-Id},
 * {@code X-User-Id}, {@code X-Roles}).
 */
class Openstack4jIT {

    private static final String PASSWORD = "secret";
    private static final Account ADMIN_A = new Account("admin-a", PASSWORD, "proj-a", List.of("admin"));
    private static final Account ADMIN_B = new Account("admin-b", PASSWORD, "proj-b", List.of("admin"));
    private static final Account MEMBER_A = new Account("member-a", PASSWORD, "proj-a", List.of("member", "reader"));

    private static final Config CONFIG = Config.newConfig().withConnectionTimeout(5_000).withReadTimeout(15_000);

    @TempDir
    Path dataDir;

    private LoupeServer loupe;
    private KeystoneV3StandIn keystone;

    @BeforeEach
    void start() {
        loupe = LoupeServer.start(dataDir);
        keystone = KeystoneV3StandIn.start(loupe.baseUrl(), ADMIN_A, ADMIN_B, MEMBER_A);
    }

    @AfterEach
    void stop() {
        if (keystone != null) {
            keystone.close();
        }
        if (loupe != null) {
            loupe.close();
        }
    }

    @Test
    void createsShowsAndListsAnImportTask() {
        Token token = login(ADMIN_A);
        assertThat(token.getProject().getId()).isEqualTo("proj-a");
        assertThat(keystone.identity(token.getId())).isEqualTo(ADMIN_A);
        assertThat(session(token).getEndpoint()).isEqualTo(keystone.authUrl());
        assertThat(session(token).supportsImage()).isTrue();

        Map<String, Object> input = importInput("http://example.com/cirros.qcow2");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Task created = tasks(token).create(Builders.taskBuilder().type("import").input(input).build());
        Instant after = Instant.now();

        assertThat(created).as("create answer").isNotNull();
        assertThat(created.getId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(created.getType()).isEqualTo("import");
        assertThat(created.getStatus()).isEqualTo(Task.TaskStatus.PENDING);
        assertThat(created.getInput()).isEqualTo(input);
        assertThat(created.getOwner()).isEqualTo("proj-a");
        assertThat(created.getMessage()).isEmpty();
        assertThat(created.getResult()).isNull();
        assertThat(created.getSelf()).isEqualTo("/v2/tasks/" + created.getId());
        assertThat(created.getSchema()).isEqualTo("/v2/schemas/task");
        assertThat(created.getCreatedAt().toInstant()).isBetween(before, after);
        assertThat(created.getUpdatedAt()).isEqualTo(created.getCreatedAt());
        assertThat(created.getExpiresAt()).as("expires_at is only set once a task finishes").isNull();

        Task shown = tasks(token).get(created.getId());
        assertThat(shown).as("show answer").isNotNull();
        assertThat(shown).usingRecursiveComparison().isEqualTo(created);

        List<? extends Task> listed = tasks(token).list();
        assertThat(listed).extracting(Task::getId).containsExactly(created.getId());
        Task stub = listed.get(0);
        assertThat(stub.getType()).isEqualTo("import");
        assertThat(stub.getStatus()).isEqualTo(Task.TaskStatus.PENDING);
        assertThat(stub.getOwner()).isEqualTo("proj-a");
        assertThat(stub.getSelf()).isEqualTo("/v2/tasks/" + created.getId());
        assertThat(stub.getSchema()).isEqualTo("/v2/schemas/task");
        assertThat(stub.getCreatedAt()).isEqualTo(created.getCreatedAt());
        assertThat(stub.getUpdatedAt()).isEqualTo(created.getUpdatedAt());
        assertThat(stub.getInput()).as("list items are stubs, without input").isNull();
        assertThat(stub.getMessage()).as("list items are stubs, without message").isNull();
        assertThat(stub.getResult()).as("list items are stubs, without result").isNull();
    }

    @Test
    void listsWithFiltersAndPagesThroughQueryParameters() {
        Token token = login(ADMIN_A);
        Task first = tasks(token).create(importTask("http://example.com/one.qcow2"));
        Task second = tasks(token).create(importTask("https://example.com/two.qcow2"));
        List<String> both = List.of(first.getId(), second.getId());

        assertThat(tasks(token).list(Map.of("status", "pending", "type", "import", "owner", "proj-a")))
                .extracting(Task::getId).containsExactlyInAnyOrderElementsOf(both);
        assertThat(tasks(token).list(Map.of("status", "success"))).isEmpty();
        assertThat(tasks(token).list(Map.of("owner", "proj-b"))).isEmpty();
        assertThat(tasks(token).list(Map.of("id", second.getId())))
                .extracting(Task::getId).containsExactly(second.getId());

        List<? extends Task> page1 = tasks(token).list(Map.of("limit", "1", "sort_key", "id", "sort_dir", "asc"));
        assertThat(page1).hasSize(1);
        List<? extends Task> page2 = tasks(token).list(
                Map.of("limit", "1", "sort_key", "id", "sort_dir", "asc", "marker", page1.get(0).getId()));
        assertThat(page2).hasSize(1);
        assertThat(List.of(page1.get(0).getId(), page2.get(0).getId())).containsExactlyInAnyOrderElementsOf(both);
        assertThat(tasks(token).list(
                Map.of("limit", "1", "sort_key", "id", "sort_dir", "asc", "marker", page2.get(0).getId())))
                .isEmpty();
    }

    @Test
    void anotherProjectsAdminSeesEveryProjectsTasks() {
        Token tokenA = login(ADMIN_A);
        Task ofA = tasks(tokenA).create(importTask("http://example.com/cirros.qcow2"));

        Token tokenB = login(ADMIN_B);
        assertThat(tokenB.getProject().getId()).isEqualTo("proj-b");
        assertThat(tasks(tokenB).list()).extracting(Task::getId, Task::getOwner)
                .containsExactly(tuple(ofA.getId(), "proj-a"));
        Task shownToB = tasks(tokenB).get(ofA.getId());
        assertThat(shownToB).usingRecursiveComparison().isEqualTo(ofA);

        Task ofB = tasks(tokenB).create(importTask("https://example.com/fedora.qcow2"));
        assertThat(ofB.getOwner()).as("the creator's project, from proj-b's token").isEqualTo("proj-b");

        // Back to proj-a's session: its admin sees both projects' tasks too, and can filter by owner.
        assertThat(tasks(tokenA).list()).extracting(Task::getId, Task::getOwner).containsExactlyInAnyOrder(
                tuple(ofA.getId(), "proj-a"),
                tuple(ofB.getId(), "proj-b"));
        assertThat(tasks(tokenA).list(Map.of("owner", "proj-b"))).extracting(Task::getId)
                .containsExactly(ofB.getId());
    }

    @Test
    void aBadRequestSurfacesAsAnOpenstack4jExceptionWith400() {
        Token token = login(ADMIN_A);
        Task invalid = Builders.taskBuilder().type("invalid").input(importInput("http://example.com/x.qcow2")).build();

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
        assertThat(tasks(admin).get(UUID.randomUUID().toString())).as("openstack4j maps 404 to null").isNull();

        Token member = login(MEMBER_A);
        assertThatThrownBy(() -> tasks(member).list())
                .isInstanceOfSatisfying(ClientResponseException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
        assertThatThrownBy(() -> tasks(member).create(importTask("http://example.com/cirros.qcow2")))
                .isInstanceOfSatisfying(ClientResponseException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
        assertThat(tasks(admin).list()).isEmpty();
    }

    // --- openstack4j plumbing -------------------------------------------------------------------------------

    /** Logs in through openstack4j's own Keystone v3 client, scoped to the account's project. */
    private Token login(Account account) {
        int before = keystone.tokenRequests();
        OSClientV3 os = OSFactory.builderV3()
                .withConfig(CONFIG)
                .endpoint(keystone.authUrl())
                .credentials(account.userId(), account.password(), Identifier.byId("default"))
                .scopeToProject(Identifier.byId(account.projectId()))
                .authenticate();
        assertThat(keystone.tokenRequests()).as("openstack4j asked the Keystone stand-in").isEqualTo(before + 1);
        return os.getToken();
    }

    /**
     * An openstack4j session for the token, bound to this thread (openstack4j keeps the current session in a
     * thread-local), sending the headers an authenticating proxy would set for that token.
     */
    private static OSClientV3 session(Token token) {
        return OSFactory.clientFromToken(token, CONFIG).headers(proxyHeaders(token));
    }

    private static TaskService tasks(Token token) {
        return session(token).imagesV2().tasks();
    }

    /** What keystonemiddleware's auth_token would pass on for a valid token. */
    private static Map<String, String> proxyHeaders(Token token) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Identity-Status", "Confirmed");
        headers.put("X-User-Id", token.getUser().getId());
        headers.put("X-Project-Id", token.getProject().getId());
        headers.put("X-Roles", token.getRoles().stream().map(Role::getName).collect(Collectors.joining(",")));
        return headers;
    }

    private static Task importTask(String from) {
        return Builders.taskBuilder().type("import").input(importInput(from)).build();
    }

    private static Map<String, Object> importInput(String from) {
        return Map.of(
                "import_from", from,
                "import_from_format", "qcow2",
                "image_properties", Map.of("disk_format", "qcow2", "container_format", "bare", "name", "cirros"));
    }
}
