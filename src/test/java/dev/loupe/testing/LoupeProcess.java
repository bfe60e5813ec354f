package dev.loupe.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Loupe run as its own OS process by the JDK that runs the tests: either the packaged jar, the way an operator runs
 * it ({@code java -jar target/loupe.jar ARGS}, see {@link #jar}), or a test main class on the test classpath
 * ({@code target/classes:target/test-classes:target/lib/*}, see {@link #mainClass}). Stdout is captured line by
 * line; stderr goes to a file in the log folder.
 */
public final class LoupeProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "loupe.jar");
    /** What a Loupe server prints, followed by {@code HOST:PORT}, once it serves. */
    public static final String READY = "Loupe serving on http://";

    private final Process process;
    private final Path stderr;
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    private LoupeProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
    }

    public static String java() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test"));
    }

    /** Starts {@code java -jar target/loupe.jar args...}. */
    public static LoupeProcess jar(Path logDir, String... args) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run 'mvn package' first");
        }
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return start(logDir, "loupe-", command);
    }

    /** Runs the jar with the args to its end; the output is then in {@link #stdout}/{@link #stderr}. */
    public static LoupeProcess runJar(Path logDir, Duration timeout, String... args) {
        LoupeProcess p = jar(logDir, args);
        p.exitCode(timeout);
        return p;
    }

    /**
     * Starts {@code java JVM_OPTIONS -cp target/classes:target/test-classes:target/lib/* MAIN args...}; the test is
     * skipped (not failed) when those folders are missing, i.e. when it did not run after {@code mvn package}.
     */
    public static LoupeProcess mainClass(Path logDir, Class<?> main, List<String> jvmOptions, String... args) {
        Path target = Path.of("target").toAbsolutePath();
        for (String part : List.of("classes", "test-classes", "lib")) {
            // present whenever failsafe runs (after package); absent only when surefire is told to run an *IT
            Assumptions.assumeTrue(
                    Files.isDirectory(target.resolve(part)),
                    () -> target.resolve(part) + " is missing: this test runs after 'mvn package'");
        }
        String classpath = String.join(
                File.pathSeparator,
                target.resolve("classes").toString(),
                target.resolve("test-classes").toString(),
                target.resolve("lib").resolve("*").toString());
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, main.getName()));
        command.addAll(List.of(args));
        return start(logDir, main.getSimpleName().toLowerCase(Locale.ROOT) + "-", command);
    }

    private static LoupeProcess start(Path logDir, String logPrefix, List<String> command) {
        try {
            Files.createDirectories(logDir);
            Path err = Files.createTempFile(logDir, logPrefix, ".stderr");
            Process process = new ProcessBuilder(command)
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new LoupeProcess(process, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the {@link #READY} line and returns a client (with timeouts) for the address it names. */
    public Client awaitReady(Duration timeout) {
        String line = awaitLine(READY, timeout);
        return Client.at("http://" + line.substring(READY.length()));
    }

    /**
     * The first stdout line that starts with the prefix, waiting up to the timeout for it; fails with the process's
     * output if it never comes.
     */
    public String awaitLine(String prefix, Duration timeout) {
        try {
            return Await.until(
                            timeout,
                            () -> {
                                Optional<String> line = line(prefix);
                                if (line.isEmpty() && !process.isAlive()) {
                                    // one last look once everything it printed has been read
                                    reader.join(Duration.ofSeconds(5));
                                    line = line(prefix);
                                    if (line.isEmpty()) {
                                        throw new AssertionError(
                                                noLine(prefix, "before it exited with " + process.exitValue()));
                                    }
                                }
                                return line;
                            },
                            Optional::isPresent,
                            "a line starting with '" + prefix + "'")
                    .orElseThrow();
        } catch (Await.TimedOut e) {
            throw new AssertionError(noLine(prefix, "within " + timeout), e);
        }
    }

    private String noLine(String prefix, String when) {
        return "no line starting with '" + prefix + "' " + when + "\nstdout:\n" + String.join("\n", stdout())
                + "\nstderr:\n" + stderr();
    }

    /** The first stdout line so far that starts with the prefix. */
    public Optional<String> line(String prefix) {
        synchronized (stdout) {
            return stdout.stream().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    public String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * SIGTERM, through the process handle: {@link Process#destroy()} also closes this side's pipes, which would
     * lose what the process prints while it drains.
     */
    public void terminate() {
        if (!process.toHandle().destroy()) {
            throw new AssertionError("could not send SIGTERM to " + process.pid());
        }
    }

    /** SIGKILL, and waits for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the end (killing the process and failing after the timeout) and returns the exit code. */
    public int exitCode(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running after " + timeout + "\nstderr:\n" + stderr());
            }
            reader.join(Duration.ofSeconds(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
