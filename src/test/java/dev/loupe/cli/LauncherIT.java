package dev.loupe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loupe.testing.Await;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./loupe} launcher itself, run as an operator runs it, on a copy of the repository in a temp folder
 * (pom.xml, src/main, loupe) so that its builds never touch this build's target/. The copy starts with this
 * build's jar and lib/, newer than its sources, so only the test that edits a source runs Maven.
 */
class LauncherIT {

    private static final Duration QUICK = Duration.ofSeconds(60);
    /** A Maven build of the copy: it compiles everything, on a machine that may be busy with other suites. */
    private static final Duration BUILD = Duration.ofMinutes(6);

    private static final String READY = "Loupe serving on http://";
    private static final Map<String, String> ADMIN =
            Map.of("X-Identity-Status", "Confirmed", "X-Project-Id", "p", "X-Roles", "admin", "X-User-Id", "u");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @TempDir
    static Path dir;

    private static Path repo;
    private static String version;

    @BeforeAll
    static void copyTheRepository() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path jar = root.resolve("target/loupe.jar");
        assertThat(jar)
                .as("built by 'mvn package', which runs before this suite")
                .isRegularFile();
        Matcher m = Pattern.compile("<artifactId>loupe</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertThat(m.find()).as("the project's version in pom.xml").isTrue();
        version = m.group(1);

        repo = dir.resolve("repo");
        copy(root.resolve("pom.xml"), repo.resolve("pom.xml"));
        copy(root.resolve("loupe"), repo.resolve("loupe"));
        copy(root.resolve("src/main"), repo.resolve("src/main"));
        copy(jar, repo.resolve("target/loupe.jar"));
        copy(root.resolve("target/lib"), repo.resolve("target/lib"));
        // newer than every source copied above (they keep their times): the launcher takes this build as it is
        Files.setLastModifiedTime(repo.resolve("target/loupe.jar"), FileTime.from(Instant.now()));
    }

    @Test
    void versionComesFromTheJar() {
        Run run = launcher(Map.of(), QUICK, "--version");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out().strip()).isEqualTo("Loupe " + version);

        Run alias = launcher(Map.of(), QUICK, "version");
        assertThat(alias.exit()).as(alias.toString()).isZero();
        assertThat(alias.out().strip()).isEqualTo("Loupe " + version);
    }

    @Test
    void everyCommandHasHelp() {
        Map<List<String>, List<String>> expected = Map.of(
                List.of("serve", "--help"), List.of("--config", "--data-dir", "--set", "--role"),
                List.of("db", "--help"), List.of("migrate", "purge"),
                List.of("db", "purge", "--help"), List.of("--age-in-days", "--max-rows", "--data-dir"),
                List.of("db", "migrate", "-h"), List.of("--config", "--data-dir", "--set"));
        expected.forEach((args, options) -> {
            Run run = launcher(Map.of(), QUICK, args.toArray(String[]::new));
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out())
                    .as(run.toString())
                    .startsWith("Usage: loupe " + args.get(0))
                    .contains(options);
        });
    }

    @Test
    void unknownCommandsAndMissingOnesGetTheUsage() {
        Run unknown = launcher(Map.of(), QUICK, "frobnicate");
        assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'frobnicate'", "Commands:", "serve", "db", "version");

        Run db = launcher(Map.of(), QUICK, "db");
        assertThat(db.exit()).as(db.toString()).isEqualTo(2);
        assertThat(db.err()).contains("Missing required subcommand", "Usage: loupe db", "migrate", "purge");
    }

    @Test
    void loupeJavaOptsReachTheJvm() {
        // a heap far too small to start: only the JVM refuses that
        Run run = launcher(Map.of("LOUPE_JAVA_OPTS", "-Xms1k  -Xmx1k"), QUICK, "--version");
        assertThat(run.exit()).as(run.toString()).isNotZero();
        assertThat(run.out() + run.err()).as(run.toString()).containsIgnoringCase("heap");
    }

    /**
     * On Java 25 the build leaves an AOT cache beside the jar, made by a short run in that very folder, and every
     * start uses it: with AOTMode=on the JVM refuses to start without a usable cache. An operator's collector in
     * LOUPE_JAVA_OPTS replaces the launcher's (the JVM refuses two) and leaves the cache unused, without a word.
     */
    @Test
    void onJava25EveryStartUsesTheBuildsAotCache() throws IOException {
        assumeTrue(Runtime.version().feature() >= 25, "AOT caches need Java 25");
        Run built = launcher(Map.of(), BUILD, "--version");
        assertThat(built.exit()).as(built.toString()).isZero();
        assertThat(repo.resolve("target/app").toRealPath().resolve("loupe.aot")).isRegularFile();

        Run strict = launcher(Map.of("LOUPE_JAVA_OPTS", "-XX:AOTMode=on"), QUICK, "--version");
        assertThat(strict.exit()).as(strict.toString()).isZero();
        assertThat(strict.out().strip()).isEqualTo("Loupe " + version);

        Run otherCollector = launcher(Map.of("LOUPE_JAVA_OPTS", "-XX:+UseParallelGC"), QUICK, "--version");
        assertThat(otherCollector.exit()).as(otherCollector.toString()).isZero();
        assertThat(otherCollector.out().strip()).isEqualTo("Loupe " + version);
    }

    /**
     * A server started before a rebuild keeps serving after it: the rebuild goes into a new dist folder and
     * target/app switches to it, while the server's folder stays until the server is gone.
     */
    @Test
    void aRebuildLeavesARunningServerItsFiles() throws Exception {
        Path data = dir.resolve("data");
        Path out = dir.resolve("serve.out");
        Path err = dir.resolve("serve.err");
        Process server = command(
                        Map.of("LOUPE_JAVA_OPTS", "-Dloupe.test.marker=launcher-it -Xmx256m"),
                        "serve",
                        "--data-dir",
                        data.toString(),
                        "--set",
                        "DEFAULT.bind_port=0")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            String base = awaitReady(server, out, err);
            Path before = repo.resolve("target/app").toRealPath();
            // ./loupe execs the JVM: the process is the JVM, run from the dist folder, with the operator's options
            String cmdline = Files.readString(Path.of("/proc", Long.toString(server.pid()), "cmdline"))
                    .replace('\0', ' ');
            assertThat(cmdline)
                    .contains("-Dloupe.test.marker=launcher-it -Xmx256m -jar " + before.resolve("loupe.jar"));
            assertThat(get(base + "/versions").statusCode()).isEqualTo(200);

            Path source = repo.resolve("src/main/java/dev/loupe/cli/Main.java");
            Files.setLastModifiedTime(source, FileTime.from(Instant.now()));
            Run rebuild = launcher(Map.of(), BUILD, "--version");
            assertThat(rebuild.exit()).as(rebuild.toString()).isZero();
            assertThat(rebuild.err()).as(rebuild.toString()).contains("building");
            assertThat(rebuild.out().strip()).isEqualTo("Loupe " + version);

            Path after = repo.resolve("target/app").toRealPath();
            assertThat(after).isNotEqualTo(before);
            assertThat(before.resolve("loupe.jar"))
                    .as("the running server's jar")
                    .isRegularFile();
            try (Stream<Path> libs = Files.list(before.resolve("lib"))) {
                assertThat(libs.count()).as("the running server's lib/").isGreaterThan(10);
            }

            assertThat(server.isAlive()).as(tail(err)).isTrue();
            assertThat(get(base + "/versions").statusCode()).isEqualTo(200);
            HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(base + "/v2/tasks"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"type": "import", "input": {"import_from": "http://127.0.0.1/launcher-it.raw",
                             "import_from_format": "raw",
                             "image_properties": {"disk_format": "raw", "container_format": "bare"}}}""")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = created.body().replaceAll("(?s).*?\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            HttpResponse<String> listed =
                    send(HttpRequest.newBuilder(URI.create(base + "/v2/tasks")).GET());
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            assertThat(listed.body()).contains(id);

            server.toHandle().destroy();
            assertThat(server.waitFor(60, TimeUnit.SECONDS))
                    .as("stopped after SIGTERM")
                    .isTrue();
            assertThat(server.exitValue()).as(tail(err)).isZero();

            // nothing holds the old folder any more: the next launch removes it and keeps the current one
            Run next = launcher(Map.of(), QUICK, "--version");
            assertThat(next.exit()).as(next.toString()).isZero();
            assertThat(next.err()).doesNotContain("building");
            assertThat(before).doesNotExist();
            assertThat(after.resolve("loupe.jar")).isRegularFile();
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SQLite's native library is loaded from the dist folder, where the launcher put it once: a server writes no
     * copy of it into the temp folder (sqlite-jdbc's own way, at every start), so none is left there after a stop.
     */
    @Test
    void sqliteNativeLibraryComesFromTheDistFolder() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path out = dir.resolve("native.out");
        Path err = dir.resolve("native.err");
        Process server = command(
                        Map.of("LOUPE_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp),
                        "serve",
                        "--data-dir",
                        dir.resolve("native-data").toString(),
                        "--set",
                        "DEFAULT.bind_port=0")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            String base = awaitReady(server, out, err);
            assertThat(get(base + "/healthcheck").statusCode()).isEqualTo(200);
            assertThat(repo.resolve("target/app/native/libsqlitejdbc.so")).isRegularFile();
            server.toHandle().destroy();
            assertThat(server.waitFor(60, TimeUnit.SECONDS))
                    .as("stopped after SIGTERM")
                    .isTrue();
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(file -> file.getFileName().toString())).noneMatch(name -> name.startsWith("sqlite-"));
        }
    }

    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static ProcessBuilder command(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(repo.resolve("loupe").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(repo.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // the JDK running this suite (>= 21, as the toolchain picks it), whatever the environment's default
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("LOUPE_JAVA_OPTS");
        builder.environment().putAll(env);
        return builder;
    }

    private static Run launcher(Map<String, String> env, Duration timeout, String... args) {
        try {
            Path out = Files.createTempFile(dir, "loupe-", ".out");
            Path err = Files.createTempFile(dir, "loupe-", ".err");
            Process p = command(env, args)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("./loupe " + String.join(" ", args) + " still running after " + timeout
                        + "\nstderr:\n" + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String awaitReady(Process server, Path out, Path err) throws Exception {
        Optional<String> ready;
        try {
            ready = Await.until(
                    QUICK,
                    () -> Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                            .filter(line -> line.startsWith(READY))
                            .findFirst(),
                    line -> line.isPresent() || !server.isAlive(),
                    "a '" + READY + "' line");
        } catch (Await.TimedOut e) {
            ready = Optional.empty();
        }
        if (ready.isPresent()) {
            return "http://" + ready.get().substring(READY.length());
        }
        throw new AssertionError("no '" + READY + "' line" + (server.isAlive() ? "" : ", exit " + server.exitValue())
                + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + tail(err));
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        ADMIN.forEach(request::header);
        return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file);
            return text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
