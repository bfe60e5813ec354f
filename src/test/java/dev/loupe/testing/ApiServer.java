package dev.loupe.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One API-only Loupe for a whole test class, on a data dir of its own:
 * {@code @RegisterExtension static final ApiServer server = new ApiServer();}
 */
public final class ApiServer implements BeforeAllCallback, AfterAllCallback {

    private Path dir;
    private LoupeServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("loupe-api-");
        server = LoupeServer.start(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Client client() {
        return server.client();
    }

    public String baseUrl() {
        return server.baseUrl();
    }
}
