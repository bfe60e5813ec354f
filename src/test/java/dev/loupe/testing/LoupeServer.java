package dev.loupe.testing;

import dev.loupe.Loupe;
import dev.loupe.Role;
import dev.loupe.config.Config;
import dev.loupe.engine.Handlers;
import dev.loupe.engine.TaskEngine;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A real Loupe in this JVM: real HTTP on a free loopback port, a real SQLite file in the given folder. By default
 * it is an API-only node (tasks stay pending, as the API suites expect); {@link #withWorkers} adds the engine.
 */
public final class LoupeServer implements AutoCloseable {

    private final Loupe loupe;
    private final Path dataDir;
    /**
     * The connections of this server's clients, closed before it stops: an idle keep-alive connection would hold
     * Jetty's graceful stop for about a second.
     */
    private final HttpClient connections = Client.connections();

    private LoupeServer(Loupe loupe, Path dataDir) {
        this.loupe = loupe;
        this.dataDir = dataDir;
    }

    /** @param overrides {@code SECTION.OPTION=VALUE}, as given to {@code --set} */
    public static LoupeServer start(Path dataDir, String... overrides) {
        return start(dataDir, Clock.systemUTC(), overrides);
    }

    public static LoupeServer start(Path dataDir, Clock clock, String... overrides) {
        return start(dataDir, clock, Role.API, UnaryOperator.identity(), overrides);
    }

    /** API and workers, running tasks with the given handlers. */
    public static LoupeServer withWorkers(Path dataDir, UnaryOperator<Handlers> handlers, String... overrides) {
        return start(dataDir, Clock.systemUTC(), Role.ALL, handlers, overrides);
    }

    private static LoupeServer start(
            Path dataDir, Clock clock, Role role, UnaryOperator<Handlers> handlers, String... overrides) {
        List<String> all = new ArrayList<>(List.of("DEFAULT.bind_port=0"));
        all.addAll(List.of(overrides));
        return new LoupeServer(Loupe.start(Config.load(null, all, dataDir), clock, role, handlers), dataDir);
    }

    public int port() {
        return loupe.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Client client() {
        return new Client(baseUrl(), connections);
    }

    /**
     * The task engine of this server, empty for an API-only one: a test runs a claim round with
     * {@link TaskEngine#runOnce()} to see what the engine would do now instead of waiting for its next poll.
     */
    public Optional<TaskEngine> engine() {
        return loupe.engine();
    }

    @Override
    public void close() {
        connections.shutdownNow();
        loupe.close();
    }
}
