package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.Await;
import dev.loupe.testing.DebianPackages;
import dev.loupe.testing.Keystone;
import dev.loupe.testing.Keystone.User;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenStack clients from Debian (python-glanceclient's {@code glance}, openstacksdk, openstackclient's
 * {@code openstack}) against Loupe behind a real Keystone: they authenticate with passwords, find Loupe as the
 * {@code image} service in the catalog and its versions document, and each scenario checks what the client printed
 * or returned.
 */
class OpenStackClientsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTHON = "/usr/bin/python3";
    private static final byte[] IMAGE = fixture();

    @TempDir
    static Path dir;

    static Keystone keystone;
    static SourceServer source;
    static LoupeServer loupe;

    @RegisterExtension
    static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);

    @BeforeAll
    static void start() {
        DebianPackages.require("python3-glanceclient", "glance", "--version");
        DebianPackages.require("python3-openstacksdk", PYTHON, "-c", "import openstack");
        DebianPackages.require("python3-openstackclient", "openstack", "--version");
        keystone = Keystone.start(dir.resolve("keystone"));
        source = SourceServer.start();
        source.serve("/disk.qcow2", IMAGE);
        loupe = KeystoneAuthIT.importingBehind(keystone, dir.resolve("loupe"), source.port());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
        if (keystone != null) {
            keystone.close();
        }
    }

    @Test
    void glanceCreatesListsShowsAndDownloadsThroughTheCatalog() throws Exception {
        String taskId = Cli.table(
                        glance(Keystone.ADMIN_A, "task-create", "--type", "import", "--input", input("from-glance"))
                                .ok())
                .get("id");
        Map<String, String> task = awaitEnd(taskId);
        assertThat(task)
                .containsEntry("status", "success")
                .containsEntry("message", "")
                .containsEntry("owner", keystone.projectId(Keystone.PROJECT_A));
        String imageId = JSON.readTree(task.get("result")).get("image_id").textValue();

        assertThat(glance(Keystone.ADMIN_A, "task-list").ok()).contains(taskId);
        Map<String, String> image =
                Cli.table(glance(Keystone.ADMIN_A, "image-show", imageId).ok());
        assertThat(image)
                .containsEntry("status", "active")
                .containsEntry("name", "from-glance")
                .containsEntry("checksum", hex("MD5", IMAGE))
                .containsEntry("size", Integer.toString(IMAGE.length))
                .containsEntry("owner", keystone.projectId(Keystone.PROJECT_A));
        Path downloaded = dir.resolve("downloaded.qcow2");
        glance(Keystone.ADMIN_A, "image-download", "--file", downloaded.toString(), imageId)
                .ok();
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(IMAGE);

        // A task names an image through input.image_id, as upstream records it, and image-tasks lists it beside the
        // import that created the image (Loupe names that one too: docs/compatibility.md, "The image an import
        // makes"). This one fails, to be recognisable.
        String naming = Cli.table(glance(
                                Keystone.ADMIN_A,
                                "task-create",
                                "--type",
                                "import",
                                "--input",
                                input("named")
                                        .replace("/disk.qcow2", "/missing.qcow2")
                                        .replaceFirst("\\{", "{\"image_id\": \"" + imageId + "\", "))
                        .ok())
                .get("id");
        assertThat(awaitEnd(naming)).containsEntry("status", "failure");
        String tasks = glance(Keystone.ADMIN_A, "image-tasks", imageId).ok();
        assertThat(tasks).contains("| Source answered HTTP 404 Not Found | failure |");
        assertThat(tasks).containsPattern("\\|\\s+\\| success \\|");
        assertThat(tasks.lines().filter(line -> line.startsWith("| ")).count())
                .as("header, the import that made the image, the task naming it:%n%s", tasks)
                .isEqualTo(3);
    }

    @Test
    void glanceTaskCommandsRefuseAMember() throws Exception {
        List<List<String>> commands = List.of(
                List.of("task-list"),
                List.of("task-show", "00000000-0000-0000-0000-000000000000"),
                List.of("task-create", "--type", "import", "--input", input("refused")));
        for (List<String> command : commands) {
            Cli.Result refused = glance(Keystone.MEMBER_A, command.toArray(String[]::new));

            assertThat(refused.exit()).as("%s", refused.output()).isNotZero();
            assertThat(refused.output())
                    .as("glance %s", command)
                    .contains("403")
                    .contains("You are not authorized to complete tasks_api_access action.");
        }
    }

    @Test
    void openstacksdkCreatesWaitsGetsAndPagesTasks() throws Exception {
        Map<String, String> environment = cloud(Keystone.ADMIN_A);
        environment.put("LOUPE_IMPORT_FROM", source.url("/disk.qcow2"));
        String printed = Cli.run(
                        environment,
                        List.of(
                                PYTHON,
                                Path.of("src/test/resources/clients/sdk_tasks.py")
                                        .toAbsolutePath()
                                        .toString()))
                .ok();

        JsonNode sdk = JSON.readTree(printed.substring(printed.lastIndexOf("\n{") + 1));
        assertThat(sdk.get("created_status").textValue()).isEqualTo("pending");
        assertThat(sdk.get("status").textValue()).isEqualTo("success");
        assertThat(sdk.get("message").textValue()).isEmpty();
        assertThat(sdk.get("result").get("image_id").textValue()).isNotEmpty();
        assertThat(sdk.get("owner_id").textValue()).isEqualTo(keystone.projectId(Keystone.PROJECT_A));
        List<String> listed = new ArrayList<>();
        sdk.get("listed").forEach(id -> listed.add(id.textValue()));
        assertThat(listed)
                .as("every task of the project, over pages of 2")
                .hasSizeGreaterThanOrEqualTo(6)
                .doesNotHaveDuplicates()
                .contains(sdk.get("id").textValue());
    }

    @Test
    void openstackListsAndShowsAnImportedImage() throws Exception {
        String taskId = Cli.table(
                        glance(Keystone.ADMIN_A, "task-create", "--type", "import", "--input", input("from-openstack"))
                                .ok())
                .get("id");
        String imageId =
                JSON.readTree(awaitEnd(taskId).get("result")).get("image_id").textValue();

        JsonNode list = JSON.readTree(
                openstack(Keystone.ADMIN_A, "image", "list", "-f", "json").ok());
        List<String> names = new ArrayList<>();
        list.forEach(row -> names.add(row.get("Name").textValue()));
        assertThat(names).contains("from-openstack");
        JsonNode shown = JSON.readTree(openstack(Keystone.ADMIN_A, "image", "show", imageId, "-f", "json")
                .ok());
        assertThat(shown.get("id").textValue()).isEqualTo(imageId);
        assertThat(shown.get("status").textValue()).isEqualTo("active");
        assertThat(shown.get("disk_format").textValue()).isEqualTo("qcow2");
        assertThat(shown.get("checksum").textValue()).isEqualTo(hex("MD5", IMAGE));
    }

    private static String input(String name) {
        return """
                {"import_from": "%s", "import_from_format": "qcow2",
                 "image_properties": {"name": "%s", "disk_format": "qcow2", "container_format": "bare"}}""".formatted(source.url("/disk.qcow2"), name);
    }

    private static Map<String, String> awaitEnd(String taskId) {
        return Await.until(
                Duration.ofSeconds(60),
                () -> Cli.table(glance(Keystone.ADMIN_A, "task-show", taskId).ok()),
                task -> Set.of("success", "failure").contains(task.get("status")),
                "the end of task " + taskId);
    }

    private static Cli.Result glance(User user, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("glance"));
        command.addAll(List.of(args));
        return Cli.run(cloud(user), command);
    }

    private static Cli.Result openstack(User user, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openstack"));
        command.addAll(List.of(args));
        return Cli.run(cloud(user), command);
    }

    private static Map<String, String> cloud(User user) throws java.io.IOException {
        return Cli.cloud(keystone, user, dir);
    }

    private static byte[] fixture() {
        try {
            return Files.readAllBytes(Path.of("src/test/resources/formats/qcow2-v3.qcow2"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }
}
