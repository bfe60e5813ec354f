package dev.loupe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server stops cleanly on SIGTERM and keeps what it stored: a second start on the same data directory
 * shows the same task, field for field.
 */
class RestartIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final String READY = LoupeProcess.READY;
    /** A source on this machine, so no worker ever fetches from elsewhere. */
    private static final String SOURCE = "http://127.0.0.1/lifecycle.raw";

    @TempDir
    Path dir;

    @Test
    void sigtermExitsZeroAndTasksSurviveARestart() {
        Path data = dir.resolve("data");
        int port = LoupeProcess.freePort();
        String[] serve = {"serve", "--data-dir", data.toString(), "--set", "DEFAULT.bind_port=" + port};
        Client http = Client.at("http://127.0.0.1:" + port);

        JsonNode before;
        JsonNode listedBefore;
        String id;
        try (LoupeProcess first = LoupeProcess.jar(dir, serve)) {
            String ready = first.awaitLine(READY, START);
            assertThat(ready).isEqualTo(READY + "127.0.0.1:" + port);

            id = http.createImportTask(Client.ADMIN_A, SOURCE).get("id").textValue();
            // The server runs tasks too: the task ends (in failure: its source is on this machine) before the
            // restart, so the comparison after it is about persistence, not about a race with execution.
            before = http.awaitEnd(id, Client.ADMIN_A, Duration.ofSeconds(30));
            listedBefore = stub(http, id);

            first.terminate();
            // A clean stop after SIGTERM reports success (0), not the JVM's signal status (143).
            assertThat(first.exitCode(Duration.ofSeconds(30)))
                    .as("exit code after SIGTERM\nstderr:\n" + first.stderr())
                    .isEqualTo(0);
        }

        try (LoupeProcess second = LoupeProcess.jar(dir, serve)) {
            second.awaitLine(READY, START);
            HttpResponse<String> shown = http.get("/v2/tasks/" + id, Client.ADMIN_A);
            assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
            assertThat(Client.json(shown)).isEqualTo(before);
            assertThat(stub(http, id)).isEqualTo(listedBefore);

            second.terminate();
            assertThat(second.exitCode(Duration.ofSeconds(30)))
                    .as(second.stderr())
                    .isEqualTo(0);
        }
    }

    private static JsonNode stub(Client http, String id) {
        HttpResponse<String> listed = http.get("/v2/tasks?id=" + id, Client.ADMIN_A);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonNode tasks = Client.json(listed).get("tasks");
        assertThat(tasks).hasSize(1);
        return tasks.get(0);
    }
}
