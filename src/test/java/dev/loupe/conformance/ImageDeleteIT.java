package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.ADMIN_B;
import static dev.loupe.testing.Client.ANONYMOUS;
import static dev.loupe.testing.Client.MEMBER_A;
import static dev.loupe.testing.Client.READER_B;
import static dev.loupe.testing.ImageFixtures.NewImage.image;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.image.Activation;
import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageFixtures;
import dev.loupe.testing.LoupeServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DELETE /v2/images/{id}} (images.py ImagesController.delete): 204; the row soft-deleted with status
 * {@code deleted}, the data removed from the store; upstream's 404 and 403 answers.
 */
class ImageDeleteIT {

    @TempDir
    static Path dir;

    static LoupeServer server;
    static Client client;
    static ImageFixtures rows;

    @BeforeAll
    static void start() {
        server = LoupeServer.start(dir);
        client = server.client();
        rows = new ImageFixtures(dir);
    }

    @AfterAll
    static void stop() {
        rows.close();
        server.close();
    }

    private static HttpResponse<String> delete(String id, java.util.Map<String, String> who) {
        return client.send("DELETE", "/v2/images/" + id, asJson(who), null);
    }

    @Test
    void ownerDeletesSoftlyAndTheDataGoes() throws java.io.IOException {
        Image image = rows.insert(image().tags("t").properties("k", "v"));
        Path file = rows.file(image);
        assertThat(file).exists();
        Instant before = Instant.now().minusSeconds(1);

        HttpResponse<String> r = delete(image.id(), MEMBER_A);
        assertThat(r.statusCode()).as(describe(r)).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Type")).isEmpty();
        assertRequestIdHeader(r);

        Image stored = rows.find(image.id()).orElseThrow();
        assertThat(stored.deleted()).isTrue();
        assertThat(stored.status()).isEqualTo(ImageStatus.DELETED);
        assertThat(stored.deletedAt()).isAfter(before).isBeforeOrEqualTo(Instant.now());
        assertThat(stored.updatedAt()).isEqualTo(stored.deletedAt());
        assertThat(stored.location()).isNull();
        assertThat(stored.tags()).containsExactly("t");
        assertThat(file).doesNotExist();
        try (var files = Files.list(dir.resolve("images"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(image.id()));
        }
    }

    @Test
    void deletedImageIsGoneFromEveryView() {
        Image image = rows.insert(image().visibility("public"));
        assertThat(delete(image.id(), ADMIN_A).statusCode()).isEqualTo(204);
        assertJsonError(
                client.get("/v2/images/" + image.id(), asJson(ADMIN_A)), 404, "No image found with ID " + image.id());
        assertThat(ImageListIT.imageIds(ok(client.get("/v2/images?limit=1000", ADMIN_A), 200)))
                .doesNotContain(image.id());
        assertJsonError(delete(image.id(), ADMIN_A), 404, "Failed to find image " + image.id() + " to delete");
        assertJsonError(client.get("/v2/images/" + image.id() + "/tasks", asJson(ADMIN_A)), 404, NOT_FOUND);
    }

    @Test
    void adminDeletesAnotherProjectsImage() {
        Image image = rows.insert(image().owner("proj-b"));
        assertThat(delete(image.id(), ADMIN_A).statusCode()).isEqualTo(204);
        assertThat(rows.find(image.id()).orElseThrow().deleted()).isTrue();
    }

    @Test
    void protectedImageGives403AndStays() {
        Image image = rows.insert(image().isProtected(true));
        assertJsonError(
                delete(image.id(), MEMBER_A), 403, "Image " + image.id() + " is protected and cannot be" + " deleted.");
        assertJsonError(
                delete(image.id(), ADMIN_A), 403, "Image " + image.id() + " is protected and cannot be" + " deleted.");
        Image stored = rows.find(image.id()).orElseThrow();
        assertThat(stored.deleted()).isFalse();
        assertThat(stored.status()).isEqualTo(ImageStatus.ACTIVE);
        assertThat(rows.file(stored)).exists();
    }

    @Test
    void publicImageOfAnotherProjectGives403YouDoNotOwn() {
        Image image = rows.insert(image().owner("proj-a").visibility("public"));
        assertJsonError(delete(image.id(), READER_B), 403, "You do not own this image");
        assertThat(rows.find(image.id()).orElseThrow().deleted()).isFalse();
    }

    @Test
    void ownershipIsCheckedBeforeProtection() {
        Image image =
                rows.insert(image().owner("proj-a").visibility("community").isProtected(true));
        assertJsonError(delete(image.id(), READER_B), 403, "You do not own this image");
    }

    @Test
    void imageWithoutOwnerMayBeDeletedByAdminsOnly() {
        Image image = rows.insert(image().owner(null));
        assertJsonError(delete(image.id(), MEMBER_A), 403, "You do not own this image");
        assertThat(delete(image.id(), ADMIN_B).statusCode()).isEqualTo(204);
    }

    @Test
    void invisibleOrUnknownImageGives404() {
        Image image = rows.insert(image().owner("proj-a").visibility("shared"));
        assertJsonError(delete(image.id(), READER_B), 404, "Failed to find image " + image.id() + " to delete");
        assertThat(rows.find(image.id()).orElseThrow().deleted()).isFalse();
        String unknown = "00000000-0000-0000-0000-000000000000";
        assertJsonError(delete(unknown, ADMIN_A), 404, "Failed to find image " + unknown + " to delete");
    }

    @Test
    void imageStillBeingSavedIsDeletedWithoutData() {
        Image saving = rows.insert(image().status(ImageStatus.SAVING));
        assertThat(delete(saving.id(), MEMBER_A).statusCode()).isEqualTo(204);
        Image stored = rows.find(saving.id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(ImageStatus.DELETED);
        // The import that was saving it can no longer activate it.
        assertThat(rows.repository()
                        .activate(
                                saving.activate(
                                        new Image.StoredData("file:///nowhere", 1, null, "x", "sha512", "y", "raw"),
                                        Instant.now()),
                                new Activation.Upload()))
                .isFalse();
    }

    @Test
    void bodyOnDeleteGives400AndDeletesNothing() {
        Image image = rows.insert(image());
        HttpResponse<String> r = client.send("DELETE", "/v2/images/" + image.id(), asJson(ADMIN_A), "{}");
        assertJsonError(r, 400, "A body is not expected with this request.");
        assertThat(rows.find(image.id()).orElseThrow().deleted()).isFalse();
    }

    @Test
    void withoutCredentialsGives401() {
        Image image = rows.insert(image());
        assertJsonError(delete(image.id(), ANONYMOUS), 401, UNAUTHORIZED);
    }

    @Test
    void concurrentDeletesDeleteOnce() throws Exception {
        Image image = rows.insert(image());
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var answers = java.util.stream.IntStream.range(0, 8)
                    .mapToObj(
                            i -> pool.submit(() -> delete(image.id(), MEMBER_A).statusCode()))
                    .toList();
            int deleted = 0;
            for (var answer : answers) {
                int status = answer.get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(status).isIn(204, 404);
                deleted += status == 204 ? 1 : 0;
            }
            assertThat(deleted).isEqualTo(1);
        }
    }

    @Test
    void deleteImagePolicyRefusalIs403OrNotFoundWhenTheImageIsHiddenToo() {
        Path policyDir = dir.resolve("policy-delete");
        String rules = "delete_image: \"role:admin\"\nget_image: \"role:admin or role:member\"\n";
        try (LoupeServer strict = LoupeServer.start(policyDir, policy(dir, rules));
                ImageFixtures strictRows = new ImageFixtures(policyDir)) {
            Image mine = strictRows.insert(image());
            assertJsonError(
                    strict.client().send("DELETE", "/v2/images/" + mine.id(), asJson(MEMBER_A), null),
                    403,
                    "You are not authorized to complete delete_image action.");
            Image public_ = strictRows.insert(image().owner("proj-b").visibility("public"));
            assertJsonError(
                    strict.client().send("DELETE", "/v2/images/" + public_.id(), asJson(READER_B), null),
                    404,
                    NOT_FOUND);
            assertThat(strict.client()
                            .send("DELETE", "/v2/images/" + mine.id(), ADMIN_A, null)
                            .statusCode())
                    .isEqualTo(204);
        }
    }

    @Test
    void deletedImageRowIsKeptNotErased() {
        Image image = rows.insert(image());
        assertThat(delete(image.id(), MEMBER_A).statusCode()).isEqualTo(204);
        assertThat(rows.find(image.id())).isPresent();
        assertThat(Duration.between(rows.find(image.id()).orElseThrow().deletedAt(), Instant.now()))
                .isLessThan(Duration.ofMinutes(1));
    }
}
