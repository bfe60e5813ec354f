package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.loupe.testing.Await;
import dev.loupe.testing.DebianPackages;
import dev.loupe.testing.Keystone;
import dev.loupe.testing.Keystone.User;
import dev.loupe.testing.LoupeServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Images API write side through Debian's real clients behind a real Keystone: python-glanceclient's
 * {@code glance} and openstackclient's {@code openstack} create an image with its data, set and unset properties,
 * tag, deactivate and reactivate it, download it byte-identical and delete it.
 */
class ImageWriteClientsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Keystone keystone;
    static LoupeServer loupe;
    static Path qcow2;
    static HttpServer source;

    @RegisterExtension
    static final TestWatcher KEYSTONE_LOGS = Keystone.logsOnFailure(() -> keystone);

    @BeforeAll
    static void start() throws Exception {
        DebianPackages.require("python3-glanceclient", "glance", "--version");
        DebianPackages.require("python3-openstackclient", "openstack", "--version");
        keystone = Keystone.start(dir.resolve("keystone"));
        qcow2 = dir.resolve("disk.qcow2");
        Files.copy(Path.of("src/test/resources/formats/qcow2-v3.qcow2"), qcow2);
        byte[] served = Files.readAllBytes(qcow2);
        source = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        source.createContext("/disk.qcow2", exchange -> {
            exchange.sendResponseHeaders(200, served.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(served);
            }
        });
        source.start();
        // With workers: the interoperable import runs its tasks.
        loupe = KeystoneAuthIT.importingBehind(
                keystone, dir.resolve("loupe"), source.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        if (loupe != null) {
            loupe.close();
        }
        if (keystone != null) {
            keystone.close();
        }
        if (source != null) {
            source.stop(0);
        }
    }

    @Test
    void glanceImportsByWebDownloadAndGlanceDirect() throws Exception {
        byte[] data = Files.readAllBytes(qcow2);
        // With stdin closed: glance takes any other stdin for image data, which web-download refuses.
        Map<String, String> web = Cli.table(glanceWithoutStdin(
                        Keystone.MEMBER_A,
                        "image-create-via-import",
                        "--name",
                        "web-download",
                        "--disk-format",
                        "qcow2",
                        "--container-format",
                        "bare",
                        "--import-method",
                        "web-download",
                        "--uri",
                        "http://127.0.0.1:" + source.getAddress().getPort() + "/disk.qcow2")
                .ok());
        Map<String, String> direct = Cli.table(glanceWithoutStdin(
                        Keystone.MEMBER_A,
                        "image-create-via-import",
                        "--name",
                        "glance-direct",
                        "--disk-format",
                        "qcow2",
                        "--container-format",
                        "bare",
                        "--import-method",
                        "glance-direct",
                        "--file",
                        qcow2.toString())
                .ok());
        for (String id : List.of(web.get("id"), direct.get("id"))) {
            Map<String, String> active = Await.until(
                    Duration.ofSeconds(60),
                    () -> Cli.table(glance(Keystone.MEMBER_A, "image-show", id).ok()),
                    image -> "active".equals(image.get("status")),
                    "image " + id + " imported");
            assertThat(active)
                    .containsEntry("checksum", hex("MD5", data))
                    .containsEntry("virtual_size", "1048576")
                    .containsEntry("os_glance_importing_to_stores", "")
                    .doesNotContainKey("os_glance_import_task");
        }
    }

    @Test
    void openstackCreatesThroughTheImportApi() throws Exception {
        byte[] data = Files.readAllBytes(qcow2);
        JsonNode created = JSON.readTree(openstack(
                        Keystone.MEMBER_A,
                        "image",
                        "create",
                        "-f",
                        "json",
                        "--import",
                        "--disk-format",
                        "qcow2",
                        "--container-format",
                        "bare",
                        "--file",
                        qcow2.toString(),
                        "via-import")
                .ok());
        String id = created.get("id").asText();
        JsonNode active = Await.until(
                Duration.ofSeconds(60),
                () -> show(id),
                image -> "active".equals(image.get("status").asText()),
                "image " + id + " imported");
        assertThat(active.get("checksum").asText()).isEqualTo(hex("MD5", data));
    }

    @Test
    void glanceCreatesUploadsChangesAndDeletes() throws Exception {
        byte[] data = Files.readAllBytes(qcow2);
        Map<String, String> created = Cli.table(glance(
                        Keystone.MEMBER_A,
                        "image-create",
                        "--name",
                        "from-glance",
                        "--disk-format",
                        "qcow2",
                        "--container-format",
                        "bare",
                        "--property",
                        "foo=bar",
                        "--file",
                        qcow2.toString())
                .ok());
        String id = created.get("id");
        assertThat(created)
                .containsEntry("status", "active")
                .containsEntry("checksum", hex("MD5", data))
                .containsEntry("os_hash_value", hex("SHA-512", data))
                .containsEntry("virtual_size", "1048576")
                .containsEntry("foo", "bar")
                .containsEntry("owner", keystone.projectId(Keystone.PROJECT_A));

        Map<String, String> updated = Cli.table(glance(
                        Keystone.MEMBER_A,
                        "image-update",
                        "--property",
                        "color=red",
                        "--remove-property",
                        "foo",
                        "--min-ram",
                        "64",
                        id)
                .ok());
        assertThat(updated)
                .containsEntry("color", "red")
                .containsEntry("min_ram", "64")
                .doesNotContainKey("foo");

        glance(Keystone.MEMBER_A, "image-tag-update", id, "blue").ok();
        assertThat(Cli.table(glance(Keystone.MEMBER_A, "image-show", id).ok()).get("tags"))
                .contains("blue");
        glance(Keystone.MEMBER_A, "image-tag-delete", id, "blue").ok();
        assertThat(Cli.table(glance(Keystone.MEMBER_A, "image-show", id).ok()).get("tags"))
                .doesNotContain("blue");

        glance(Keystone.MEMBER_A, "image-deactivate", id).ok();
        assertThat(Cli.table(glance(Keystone.MEMBER_A, "image-show", id).ok())).containsEntry("status", "deactivated");
        glance(Keystone.MEMBER_A, "image-reactivate", id).ok();
        assertThat(Cli.table(glance(Keystone.MEMBER_A, "image-show", id).ok())).containsEntry("status", "active");

        Path downloaded = dir.resolve("glance-download.qcow2");
        glance(Keystone.MEMBER_A, "image-download", "--file", downloaded.toString(), id)
                .ok();
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(data);

        glance(Keystone.MEMBER_A, "image-delete", id).ok();
        Cli.Result gone = glance(Keystone.MEMBER_A, "image-show", id);
        assertThat(gone.exit()).as(gone.output()).isNotZero();
    }

    @Test
    void openstackCreatesUploadsChangesAndDeletes() throws Exception {
        byte[] data = new byte[4096 + 7];
        new java.util.Random(7).nextBytes(data);
        Path raw = dir.resolve("disk.raw");
        Files.write(raw, data);
        JsonNode created = JSON.readTree(openstack(
                        Keystone.MEMBER_A,
                        "image",
                        "create",
                        "--disk-format",
                        "raw",
                        "--container-format",
                        "bare",
                        "--file",
                        raw.toString(),
                        "--property",
                        "k=v",
                        "-f",
                        "json",
                        "from-openstack")
                .ok());
        String id = created.get("id").textValue();
        JsonNode shown = show(id);
        assertThat(shown.get("status").textValue()).isEqualTo("active");
        assertThat(shown.get("checksum").textValue()).isEqualTo(hex("MD5", data));
        assertThat(shown.get("size").asLong()).isEqualTo(data.length);

        openstack(Keystone.MEMBER_A, "image", "set", "--property", "a=b", "--tag", "x", id)
                .ok();
        shown = show(id);
        assertThat(shown.toString()).contains("\"a\":\"b\"").contains("\"x\"");
        openstack(Keystone.MEMBER_A, "image", "unset", "--property", "a", "--tag", "x", id)
                .ok();
        shown = show(id);
        assertThat(shown.toString()).doesNotContain("\"a\":\"b\"");
        assertThat(shown.get("tags").toString()).doesNotContain("\"x\"");

        openstack(Keystone.MEMBER_A, "image", "set", "--deactivate", id).ok();
        assertThat(show(id).get("status").textValue()).isEqualTo("deactivated");
        openstack(Keystone.MEMBER_A, "image", "set", "--activate", id).ok();
        assertThat(show(id).get("status").textValue()).isEqualTo("active");

        Path saved = dir.resolve("openstack-save.raw");
        openstack(Keystone.MEMBER_A, "image", "save", "--file", saved.toString(), id)
                .ok();
        assertThat(Files.readAllBytes(saved)).isEqualTo(data);
        openstack(Keystone.MEMBER_A, "image", "delete", id).ok();
        assertThat(openstack(Keystone.MEMBER_A, "image", "show", id).exit()).isNotZero();
    }

    private static JsonNode show(String id) throws Exception {
        return JSON.readTree(
                openstack(Keystone.MEMBER_A, "image", "show", "-f", "json", id).ok());
    }

    private static Cli.Result glance(User user, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("glance"));
        command.addAll(List.of(args));
        return Cli.run(cloud(user), command);
    }

    private static Cli.Result glanceWithoutStdin(User user, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "exec \"$0\" \"$@\" <&-", "glance"));
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

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }
}
