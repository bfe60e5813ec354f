package dev.loupe.testing;

import dev.loupe.Loupe;
import dev.loupe.config.Config;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** A real Loupe in this JVM: real HTTP on a free loopback port, a real SQLite file in the given folder. */
public final class LoupeServer implements AutoCloseable {

    private final Loupe loupe;
    private final Path dataDir;

    private LoupeServer(Loupe loupe, Path dataDir) {
        this.loupe = loupe;
        this.dataDir = dataDir;
    }

    /** @param overrides {@code SECTION.OPTION=VALUE}, as given to {@code --set} */
    public static LoupeServer start(Path dataDir, String... overrides) {
        return start(dataDir, Clock.systemUTC(), overrides);
    }

    public static LoupeServer start(Path dataDir, Clock clock, String... overrides) {
        List<String> all = new ArrayList<>(List.of("DEFAULT.bind_port=0"));
        all.addAll(List.of(overrides));
        return new LoupeServer(Loupe.start(Config.load(null, all, dataDir), clock), dataDir);
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
        return new Client(baseUrl());
    }

    @Override
    public void close() {
        loupe.close();
    }
}
