package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;

import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only admins may ask of an import, refused when the task is created because the task does not keep the
 * caller's roles for when it runs: a public image, or an image owned by another project.
 */
class ImportAuthorizationIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(
                dir,
                TestClock.stepping(Instant.parse("2026-05-01T00:00:00Z"), Duration.ofSeconds(1)),
                policy(dir, "\"tasks_api_access\": \"role:member or role:admin\"\n"));
        client = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aMemberMayNotImportAPublicImage() {
        assertJsonError(
                client.post("/v2/tasks", asJson(MEMBER_A), body("\"visibility\": \"public\"")),
                403,
                "Only admins may create public images: image_properties asks for visibility 'public'.");
    }

    @Test
    void aMemberMayNotImportAnImageForAnotherProject() {
        assertJsonError(
                client.post("/v2/tasks", asJson(MEMBER_A), body("\"owner\": \"proj-b\"")),
                403,
                "You are not permitted to create images owned by 'proj-b'.");
    }

    @Test
    void aMemberMayNameItsOwnProjectAndAskForAnyOtherVisibility() {
        ok(client.post("/v2/tasks", MEMBER_A, body("\"owner\": \"proj-a\", \"visibility\": \"community\"")), 201);
    }

    @Test
    void anAdminMayDoBoth() {
        ok(client.post("/v2/tasks", ADMIN_A, body("\"visibility\": \"public\", \"owner\": \"proj-b\"")), 201);
    }

    private static String body(String properties) {
        return """
                {"type": "import", "input": {"import_from": "http://example.com/i.raw", "import_from_format": "raw",
                 "image_properties": {"disk_format": "raw", "container_format": "bare", %s}}}""".formatted(properties);
    }
}
