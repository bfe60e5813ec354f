package dev.loupe.lifecycle;

import java.io.BufferedReader;
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
import java.util.concurrent.TimeUnit;

/**
 * The packaged Loupe ({@code target/loupe.jar} with {@code target/lib/}) run as its own process by the JDK that runs
 * the tests, the way an operator runs it: {@code java -jar target/loupe.jar ARGS}.
 */
final class LoupeProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "loupe.jar");

    private final Process process;
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final Path stderr;
    private final Thread reader;

    private LoupeProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
    }

    static String java() {
        return ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test"));
    }

    /** Starts {@code java -jar target/loupe.jar args...}; stderr goes to a file beside the data. */
    static LoupeProcess start(Path logDir, String... args) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run 'mvn package' first");
        }
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(logDir);
            Path stderr = Files.createTempFile(logDir, "loupe-", ".stderr");
            Process process = new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new LoupeProcess(process, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command to its end and returns its exit code; the output is then in {@link #stdout}/{@link #stderr}. */
    static LoupeProcess run(Path logDir, Duration timeout, String... args) {
        LoupeProcess p = start(logDir, args);
        p.exitCode(timeout);
        return p;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the line a server prints once it serves; fails with the process's output if it never comes. */
    String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (stdout) {
                for (String line : stdout) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
            }
            if (!process.isAlive()) {
                break;
            }
            sleep(50);
        }
        throw new AssertionError("no line starting with '" + prefix + "' within " + timeout
                + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")")
                + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + stderr());
    }

    /** Sends SIGTERM (what {@link Process#destroy()} does on Linux). */
    void terminate() {
        process.destroy();
    }

    int exitCode(Duration timeout) {
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

    List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
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

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
