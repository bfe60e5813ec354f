package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.Await;
import dev.loupe.testing.DebianPackages;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * python-glanceclient's {@code glance} command (Debian python3-glanceclient) drives an import end to end:
 * task-create, task-show until it ends, image-show, image-download, against a real Loupe with workers and a local
 * HTTP source. The command runs through {@code clients/glance.py}, which only adds the identity headers Loupe's
 * default auth_strategy trusts.
 */
class GlanceClientIT {

    private static final String PYTHON = "/usr/bin/python3";
    private static final Path IMAGE = Path.of("src/test/resources/formats/qcow2-v3.qcow2");

    @TempDir
    static Path dir;

    static SourceServer source;
    static LoupeServer loupe;

    @BeforeAll
    static void start() throws Exception {
        DebianPackages.require("python3-glanceclient", PYTHON, "-c", "import glanceclient");
        source = SourceServer.start();
        source.serve("/disk.qcow2", Files.readAllBytes(IMAGE));
        loupe = LoupeServer.withWorkers(
                dir.resolve("loupe"),
                UnaryOperator.identity(),
                "import_filtering_opts.allowed_hosts=127.0.0.1",
                "import_filtering_opts.allowed_ports=" + source.port(),
                "task.poll_interval=0.05");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
    }

    @Test
    void anImportCreatedShownAndDownloadedWithTheGlanceCommand() throws Exception {
        Map<String, String> created =
                Cli.table(glance("task-create", "--type", "import", "--input", input("disk.qcow2")));
        assertThat(created).containsEntry("type", "import").containsEntry("owner", "proj-glance");
        String taskId = created.get("id");

        Map<String, String> task = awaitEnd(taskId);
        assertThat(task)
                .as("task-show %s", taskId)
                .containsEntry("status", "success")
                .containsEntry("message", "");
        JsonNode result = new ObjectMapper().readTree(task.get("result"));
        String imageId = result.get("image_id").textValue();

        byte[] bytes = Files.readAllBytes(IMAGE);
        Map<String, String> image = Cli.table(glance("image-show", imageId));
        assertThat(image)
                .containsEntry("id", imageId)
                .containsEntry("status", "active")
                .containsEntry("name", "from-glanceclient")
                .containsEntry("disk_format", "qcow2")
                .containsEntry("container_format", "bare")
                .containsEntry("owner", "proj-glance")
                .containsEntry("size", Integer.toString(bytes.length))
                .containsEntry("virtual_size", "1048576") // qemu-img create ... 1M, in formats/make-fixtures.sh
                .containsEntry("checksum", hex("MD5", bytes))
                .containsEntry("os_hash_algo", "sha512")
                .containsEntry("os_hash_value", hex("SHA-512", bytes))
                .containsEntry("hw_disk_bus", "virtio");

        Path downloaded = dir.resolve("downloaded.qcow2");
        glance("image-download", "--file", downloaded.toString(), imageId);
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(bytes);

        assertThat(glance("task-list")).contains(taskId);
    }

    @Test
    void aFailedImportSaysWhyInTaskShow() throws Exception {
        String taskId = Cli.table(glance("task-create", "--type", "import", "--input", input("missing.qcow2")))
                .get("id");

        Map<String, String> task = awaitEnd(taskId);

        assertThat(task)
                .containsEntry("status", "failure")
                .containsEntry("message", "Source answered HTTP 404 Not Found");
    }

    private static String input(String file) {
        return """
                {"import_from": "%s", "import_from_format": "qcow2",
                 "image_properties": {"name": "from-glanceclient", "disk_format": "qcow2",
                 "container_format": "bare", "hw_disk_bus": "virtio"}}""".formatted(source.url("/" + file));
    }

    private static Map<String, String> awaitEnd(String taskId) {
        return Await.until(
                Duration.ofSeconds(60),
                () -> Cli.table(glance("task-show", taskId)),
                task -> Set.of("success", "failure").contains(task.get("status")),
                "the end of task " + taskId);
    }

    /** Runs the glance command as an admin of project proj-glance; fails unless it exits 0. */
    private static String glance(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                PYTHON,
                Path.of("src/test/resources/clients/glance.py").toAbsolutePath().toString(),
                "--os-image-url",
                loupe.baseUrl(),
                "--os-auth-token",
                "unused"));
        command.addAll(List.of(args));
        return Cli.run(
                        Map.of(
                                "LOUPE_PROJECT",
                                "proj-glance",
                                "LOUPE_USER",
                                "glance-user",
                                "LOUPE_ROLES",
                                "admin",
                                "HOME",
                                Cli.freshHome(dir)),
                        command)
                .ok();
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }
}
