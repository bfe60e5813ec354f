package dev.loupe.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.testing.DebianPackages;
import dev.loupe.testing.Keystone;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenStack's own API tests for the Images API v2, {@code tempest.api.image.v2} from Debian's {@code python3-tempest},
 * against Loupe behind a real Keystone. Tempest logs in as Keystone's cloud admin, makes a project and users for each
 * test class ({@code use_dynamic_credentials}), finds Loupe as the {@code image} service in the catalog, and runs
 * every test of the package but those in {@code tempest/exclude-list.txt} (one reason a test: the features Loupe
 * does not offer). The suite fails on any test that fails, naming each with its traceback; skips are printed with
 * tempest's reasons.
 */
class TempestIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTHON = "/usr/bin/python3";
    private static final String REGEX = "^tempest\\.api\\.image\\.v2\\.";
    private static final long RUN_TIMEOUT_MINUTES = 20;
    /** What {@code [image] http_image} serves: web-download imports fetch it (random bytes, as tempest stages). */
    private static final byte[] HTTP_IMAGE = randomBytes(1024 * 1024);

    /** Kept when the suite fails: tempest's workspace (tempest.conf, logs/tempest.log, run.log), Loupe's data. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    static Keystone keystone;
    static SourceServer source;
    static LoupeServer loupe;

    @BeforeAll
    static void start() {
        DebianPackages.require("python3-tempest", "tempest", "--version");
        keystone = Keystone.start(dir.resolve("keystone"));
        source = SourceServer.start();
        source.serve("/cirros.img", HTTP_IMAGE);
        loupe = KeystoneAuthIT.importingBehind(keystone, dir.resolve("loupe"), source.port());
    }

    @AfterAll
    static void stop() {
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
    void tempestImageV2PassesButForTheExcludedTests() throws Exception {
        Path workspace = workspace();
        Path excludeList = workspace.resolve("exclude-list.txt");
        Files.writeString(excludeList, resource("exclude-list.txt"));
        succeeding(workspace, "stestr", "init");

        List<String> listed = succeeding(workspace, "tempest", "run", "--list-tests", "--regex", REGEX)
                .lines()
                .map(String::strip)
                .filter(line -> line.startsWith("tempest."))
                .toList();
        Map<String, String> excluded = excluded(listed);

        long started = System.nanoTime();
        Cli.Result run = run(
                workspace,
                "tempest",
                "run",
                "--regex",
                REGEX,
                "--exclude-list",
                excludeList.toString(),
                "--concurrency",
                "2");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        Files.writeString(workspace.resolve("run.log"), run.output());
        List<JsonNode> results = results(workspace);

        Map<String, List<JsonNode>> byStatus = results.stream()
                .collect(Collectors.groupingBy(r -> r.get("status").textValue(), TreeMap::new, Collectors.toList()));
        List<JsonNode> failed = results.stream()
                .filter(r -> !List.of("success", "skip", "xfail")
                        .contains(r.get("status").textValue()))
                .toList();
        System.out.printf(
                "TempestIT: tempest.api.image.v2 in %d s: %d listed, %d excluded, %d ran: %s%n",
                seconds,
                listed.size(),
                excluded.size(),
                results.size(),
                byStatus.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue().size())
                        .collect(Collectors.joining(", ")));
        excluded.forEach((id, reason) -> System.out.printf("TempestIT: excluded %s: %s%n", id, reason));
        for (JsonNode skipped : byStatus.getOrDefault("skip", List.of())) {
            System.out.printf(
                    "TempestIT: skipped %s: %s%n",
                    skipped.get("id").textValue(), skipped.get("reason").textValue());
        }
        assertThat(results)
                .as("tempest's results (its output:%n%s)", run.output())
                .isNotEmpty();
        assertThat(failed.stream().map(r -> r.get("id").textValue()).toList())
                .as(
                        "tests that did not pass (%d):%n%s%n%nTheir tracebacks:%n%s%n(tempest's workspace, kept:"
                                + " %s; Keystone's files: %s)",
                        failed.size(),
                        failed.stream().map(r -> "  " + r.get("id").textValue()).collect(Collectors.joining("\n")),
                        failed.stream().map(TempestIT::describe).collect(Collectors.joining("\n")),
                        workspace,
                        keystone.dir())
                .isEmpty();
        assertThat(run.exit())
                .as("tempest run's exit code; its output:%n%s", run.output())
                .isZero();
    }

    /** The excluded tests of the listing, each with its reason; every line of the list must match one test. */
    private static Map<String, String> excluded(List<String> listed) throws IOException {
        assertThat(listed).as("tempest's listing of %s", REGEX).hasSizeGreaterThan(50);
        Map<String, String> excluded = new LinkedHashMap<>();
        for (String line : resource("exclude-list.txt").lines().toList()) {
            int hash = line.indexOf('#');
            String regex = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (regex.isEmpty()) {
                continue;
            }
            String reason = hash < 0 ? "" : line.substring(hash + 1).strip();
            assertThat(reason).as("the reason of exclusion %s", regex).isNotEmpty();
            Pattern pattern = Pattern.compile(regex);
            List<String> matched =
                    listed.stream().filter(id -> pattern.matcher(id).find()).toList();
            assertThat(matched).as("the tests exclusion %s matches", regex).hasSize(1);
            assertThat(excluded).as("tests excluded twice").doesNotContainKey(matched.get(0));
            excluded.put(matched.get(0), reason);
        }
        return excluded;
    }

    /** A tempest workspace: its configuration for this Keystone and this Loupe, and stestr's. */
    private static Path workspace() throws Exception {
        Path workspace = Files.createDirectories(dir.resolve("tempest"));
        Files.createDirectories(workspace.resolve("etc"));
        Files.createDirectories(workspace.resolve("logs"));
        Files.createDirectories(workspace.resolve("locks"));
        Files.createDirectories(workspace.resolve("home"));
        Files.writeString(workspace.resolve(".stestr.conf"), """
                [DEFAULT]
                test_path=%1$s/test_discover
                top_dir=%1$s
                group_regex=([^\\.]*\\.)*
                """.formatted(tempestPackage()));
        Files.writeString(workspace.resolve("etc/tempest.conf"), """
                [DEFAULT]
                log_dir = %1$s/logs
                log_file = tempest.log
                debug = true

                [oslo_concurrency]
                lock_path = %1$s/locks

                [auth]
                use_dynamic_credentials = true
                create_isolated_networks = false
                admin_username = %2$s
                admin_password = %3$s
                admin_project_name = %4$s
                admin_domain_name = Default

                [identity]
                auth_version = v3
                uri_v3 = %5$s
                region = %6$s
                v3_endpoint_type = public

                [identity-feature-enabled]
                api_v2 = false

                [service_available]
                glance = true
                nova = false
                cinder = false
                neutron = false
                swift = false
                horizon = false

                [validation]
                run_validation = false

                [image]
                catalog_type = image
                region = %6$s
                endpoint_type = public
                http_image = %7$s
                build_timeout = 60
                build_interval = 1

                [image-feature-enabled]
                api_v2 = true
                import_image = true
                os_glance_reserved = true
                """.formatted(
                        workspace,
                        Keystone.CLOUD_ADMIN.name(),
                        Keystone.CLOUD_ADMIN.password(),
                        Keystone.CLOUD_ADMIN.project(),
                        keystone.authUrl(),
                        Keystone.REGION,
                        source.url("/cirros.img")));
        return workspace;
    }

    /** The folder of the tempest package (where its {@code test_discover} is). */
    private static String tempestPackage() throws Exception {
        return succeeding(null, PYTHON, "-c", "import os, tempest; print(os.path.dirname(tempest.__file__))")
                .strip();
    }

    /** Each test's result, read from stestr's last run. */
    private static List<JsonNode> results(Path workspace) throws Exception {
        Path script = workspace.resolve("results.py");
        Files.writeString(script, resource("results.py"));
        String lines = succeeding(
                workspace,
                "/bin/sh",
                "-c",
                "stestr last --subunit | " + PYTHON + " " + script + " > results.json && cat results.json");
        List<JsonNode> results = new ArrayList<>();
        for (String line : lines.lines().filter(l -> l.startsWith("{")).toList()) {
            results.add(JSON.readTree(line));
        }
        return results;
    }

    private static String describe(JsonNode result) {
        return "--- " + result.get("status").textValue() + ": "
                + result.get("id").textValue() + "\n" + result.get("traceback").textValue();
    }

    /** Runs a command (in the workspace, if one is given) and returns its output, failing unless it exits 0. */
    private static String succeeding(Path workspace, String... command) throws Exception {
        return run(workspace, command).ok();
    }

    private static Cli.Result run(Path workspace, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workspace != null) {
            builder.directory(workspace.toFile());
            builder.environment().put("HOME", workspace.resolve("home").toString());
            builder.environment()
                    .put("TEMPEST_CONFIG_DIR", workspace.resolve("etc").toString());
            builder.environment().put("TEMPEST_CONFIG", "tempest.conf");
            builder.environment().put("PYTHON", PYTHON);
        }
        Path output = Files.createTempFile(dir, "output-", ".log");
        builder.redirectOutput(output.toFile());
        Process process = builder.start();
        if (!process.waitFor(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + RUN_TIMEOUT_MINUTES
                    + " minutes:\n" + Files.readString(output));
        }
        return new Cli.Result(List.of(command), process.exitValue(), Files.readString(output));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = TempestIT.class.getResourceAsStream("/tempest/" + name)) {
            if (in == null) {
                throw new IOException("test resource tempest/" + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(15).nextBytes(bytes);
        return bytes;
    }
}
