package dev.loupe.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.loupe.testing.DebianPackages;
import dev.loupe.testing.LoupeServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * python-glanceclient's {@code glance} command (Debian python3-glanceclient) drives an import end to end:
 * task-create, task-show until it ends, image-show, image-download, against a real Loupe with workers and a local
 * HTTP source. The command runs through {@code clients/glance.py}, which only adds the identity headers Loupe's
 * default auth_strategy trusts.
 */
class GlanceClientIT {

    private static final String PYTHON = "/usr/bin/python3";
    private static final Path IMAGE = Path.of("src/test/resources/formats/qcow2-v3.qcow2");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*([^|]+?)\\s*\\|\\s*(.*?)\\s*\\|\\s*$",
            Pattern.MULTILINE);

    @TempDir
    static Path dir;
    static HttpServer source;
    static LoupeServer loupe;

    @BeforeAll
    static void start() throws IOException {
        DebianPackages.require("python3-glanceclient", PYTHON, "-c", "import glanceclient");
        source = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        source.createContext("/", exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals("/disk.qcow2")) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = Files.readAllBytes(IMAGE);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        source.start();
        loupe = LoupeServer.withWorkers(dir.resolve("loupe"), UnaryOperator.identity(),
                "import_filtering_opts.allowed_hosts=127.0.0.1",
                "import_filtering_opts.allowed_ports=" + source.getAddress().getPort(),
                "task.poll_interval=0.05");
    }

    @AfterAll
    static void stop() {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.stop(0);
        }
    }

    @Test
    void anImportCreatedShownAndDownloadedWithTheGlanceCommand() throws Exception {
        Map<String, String> created = table(glance("task-create", "--type", "import", "--input", input("disk.qcow2")));
        assertThat(created).containsEntry("type", "import").containsEntry("owner", "proj-glance");
        String taskId = created.get("id");

        Map<String, String> task = awaitEnd(taskId);
        assertThat(task).as("task-show %s", taskId).containsEntry("status", "success").containsEntry("message", "");
        JsonNode result = new ObjectMapper().readTree(task.get("result"));
        String imageId = result.get("image_id").textValue();

        byte[] bytes = Files.readAllBytes(IMAGE);
        Map<String, String> image = table(glance("image-show", imageId));
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
        String taskId = table(glance("task-create", "--type", "import", "--input", input("missing.qcow2"))).get("id");

        Map<String, String> task = awaitEnd(taskId);

        assertThat(task).containsEntry("status", "failure").containsEntry("message",
                "Source answered HTTP 404 Not Found");
    }

    private static String input(String file) {
        return """
                {"import_from": "http://127.0.0.1:%d/%s", "import_from_format": "qcow2",
                 "image_properties": {"name": "from-glanceclient", "disk_format": "qcow2",
                 "container_format": "bare", "hw_disk_bus": "virtio"}}"""
                .formatted(source.getAddress().getPort(), file);
    }

    private static Map<String, String> awaitEnd(String taskId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Map<String, String> task = table(glance("task-show", taskId));
            String status = task.get("status");
            if (status.equals("success") || status.equals("failure") || System.nanoTime() > deadline) {
                return task;
            }
            Thread.sleep(100);
        }
    }

    /** Runs the glance command as an admin of project proj-glance; fails unless it exits 0. */
    private static String glance(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, Path.of("src/test/resources/clients/glance.py")
                .toAbsolutePath().toString(), "--os-image-url", loupe.baseUrl(), "--os-auth-token", "unused"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("LOUPE_PROJECT", "proj-glance", "LOUPE_USER", "glance-user",
                "LOUPE_ROLES", "admin"));
        // A fresh HOME for every run: glanceclient 4.1.0 caches /v2/schemas/image in ~/.glanceclient, and once
        // the cache holds Glance's schema (as Loupe serves it), every later command fails with "argument
        // --stores: conflicting option string" (the transcripts' clients/glance.sh does the same). It also keeps
        // the tests out of the real home directory.
        builder.environment().put("HOME", Files.createTempDirectory(dir, "home-").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("glance %s:%n%s", String.join(" ", args), output).isZero();
        return output;
    }

    /** The Property/Value table the glance command prints for one object. */
    private static Map<String, String> table(String output) {
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        Matcher row = ROW.matcher(output);
        String last = null;
        while (row.find()) {
            if (row.group(1).isBlank() && last != null) {
                // glanceclient wraps long values (os_hash_value) onto rows with an empty property cell.
                rows.put(last, rows.get(last) + row.group(2));
            } else if (!row.group(1).equals("Property")) {
                last = row.group(1);
                rows.put(last, row.group(2));
            }
        }
        assertThat(rows).as("a property table in:%n%s", output).isNotEmpty();
        return rows;
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }
}
