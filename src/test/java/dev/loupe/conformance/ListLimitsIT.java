package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The effective limit of {@code GET /v2/tasks}: {@code [DEFAULT] limit_param_default} when none is
 * given, capped silently at {@code [DEFAULT] api_limit_max}; the defaults are 25 and 1000.
 */
class ListLimitsIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static final List<String> newestFirst = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = LoupeServer.start(
                dir,
                TestClock.stepping(Instant.parse("2026-04-01T00:00:00Z"), Duration.ofSeconds(1)),
                "DEFAULT.limit_param_default=2",
                "DEFAULT.api_limit_max=3");
        client = server.client();
        for (int i = 0; i < 5; i++) {
            newestFirst.add(client.createImportTask(ADMIN_A).get("id").asText());
        }
        Collections.reverse(newestFirst);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void withoutLimitTheConfiguredDefaultApplies() {
        JsonNode body = ok(client.get("/v2/tasks", ADMIN_A), 200);
        assertThat(ids(body)).containsExactlyElementsOf(newestFirst.subList(0, 2));
        assertThat(body.get("first").asText()).isEqualTo("/v2/tasks");
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?marker=" + newestFirst.get(1));
    }

    @Test
    void limitAboveApiLimitMaxIsCappedSilentlyWithNext() {
        JsonNode body = ok(client.get("/v2/tasks?limit=4", ADMIN_A), 200);
        assertThat(ids(body)).containsExactlyElementsOf(newestFirst.subList(0, 3));
        assertThat(body.get("next").asText()).isEqualTo("/v2/tasks?limit=4&marker=" + newestFirst.get(2));
        JsonNode rest = ok(client.get(body.get("next").asText(), ADMIN_A), 200);
        assertThat(ids(rest)).containsExactlyElementsOf(newestFirst.subList(3, 5));
        assertThat(rest.has("next")).isFalse();
    }

    @Test
    void hugeLimitIsCappedToApiLimitMax() {
        assertThat(ids(ok(client.get("/v2/tasks?limit=100000", ADMIN_A), 200))).hasSize(3);
    }

    @Test
    void limitEqualToTheCapIsHonoured() {
        assertThat(ids(ok(client.get("/v2/tasks?limit=3", ADMIN_A), 200)))
                .containsExactlyElementsOf(newestFirst.subList(0, 3));
    }

    @Test
    void defaultLimitIs25(@TempDir Path other) {
        try (LoupeServer defaults = LoupeServer.start(other)) {
            Client c = defaults.client();
            for (int i = 0; i < 26; i++) {
                c.createImportTask(ADMIN_A);
            }
            JsonNode first = ok(c.get("/v2/tasks", ADMIN_A), 200);
            assertThat(ids(first)).hasSize(25);
            assertThat(first.has("next")).isTrue();
            JsonNode second = ok(c.get(first.get("next").asText(), ADMIN_A), 200);
            assertThat(ids(second)).hasSize(1).doesNotContainAnyElementsOf(ids(first));
            assertThat(second.has("next")).isFalse();
            assertThat(ids(ok(c.get("/v2/tasks?limit=1000", ADMIN_A), 200))).hasSize(26);
        }
    }

    @Test
    void emptyDatabaseListsNothing(@TempDir Path other) {
        try (LoupeServer empty = LoupeServer.start(other)) {
            JsonNode body = ok(empty.client().get("/v2/tasks", ADMIN_A), 200);
            assertThat(ids(body)).isEmpty();
            assertThat(body.get("first").asText()).isEqualTo("/v2/tasks");
            assertThat(body.has("next")).isFalse();
        }
    }
}
