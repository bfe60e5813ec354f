package dev.loupe.imports;

import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store that cannot be written fails the import with the store's reason, never a 500, and leaves nothing. */
class ImportStoreFailureIT {

    @TempDir
    Path dir;

    @Test
    void anUnwritableStoreFailsTheTaskSayingSoAndLeavesNoImage() throws Exception {
        HttpServer source = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        source.createContext("/", exchange -> {
            try (exchange;
                    OutputStream out = exchange.getResponseBody()) {
                exchange.sendResponseHeaders(200, 4096);
                out.write(new byte[4096]);
            }
        });
        source.start();
        Path store = dir.resolve("store");
        try (LoupeServer server = LoupeServer.withWorkers(
                dir.resolve("data"),
                UnaryOperator.identity(),
                "import_filtering_opts.allowed_hosts=127.0.0.1",
                "import_filtering_opts.allowed_ports=" + source.getAddress().getPort(),
                "glance_store.filesystem_store_datadir=" + store,
                "task.poll_interval=0.05")) {
            // Root ignores permissions, so the store is broken by putting a plain file where its directory was.
            Files.delete(store);
            Files.writeString(store, "not a directory");
            Client client = server.client();

            String id = client.createImportTask(
                            ADMIN_A, "http://127.0.0.1:" + source.getAddress().getPort() + "/disk.raw")
                    .get("id")
                    .textValue();
            JsonNode task = client.awaitStatus(id, ADMIN_A, "failure", Duration.ofSeconds(30));

            assertThat(task.get("message").textValue()).isEqualTo("Cannot write to the image store: Not a directory");
            assertThat(imageRows(dir.resolve("data"))).isZero();
        } finally {
            source.stop(0);
        }
    }

    private static long imageRows(Path dataDir) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("loupe.db"));
                ResultSet rows = db.createStatement().executeQuery("SELECT COUNT(*) FROM images")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
