package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.awaitFinished;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.files;
import static dev.loupe.imports.Imports.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.S3ProxyServer;
import dev.loupe.testing.SourceServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment that switches stores keeps every image: locations are read and deleted by the store of their scheme,
 * so {@code file://} images stay readable and deletable once new data goes to S3, and S3 images once it goes back
 * to files (with the S3 options kept).
 */
@ExtendWith(S3ProxyServer.class)
class StoreSwitchIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private SourceServer source;

    @BeforeEach
    void startSource() {
        source = SourceServer.start();
    }

    @AfterEach
    void stopSource() throws Exception {
        source.close();
    }

    @Test
    void imagesOfTheOtherStoreStayReadableAndDeletableAfterASwitch() {
        String bucket = S3ProxyServer.newBucket();
        byte[] onDisk = fixture("raw.raw");
        byte[] inS3 = fixture("qcow2-v3.qcow2");
        source.serve("/disk.raw", onDisk);
        source.serve("/s3.qcow2", inS3);

        String fileImage;
        try (LoupeServer files = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            fileImage = assertImported(files.client(), dataDir, create(files.client(), source.url("/disk.raw"), "raw"))
                    .id();
        }

        String s3Image;
        try (LoupeServer s3 = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), s3Options(bucket))) {
            Client client = s3.client();
            String taskId = create(client, source.url("/s3.qcow2"), "qcow2");
            assertThat(awaitFinished(client, taskId).get("status").textValue()).isEqualTo("success");
            s3Image = image(taskId).id();
            assertThat(image(taskId).location()).startsWith("s3://" + S3ProxyServer.host() + "/" + bucket + "/");

            assertThat(download(s3, fileImage).body()).isEqualTo(onDisk);
            assertThat(download(s3, s3Image).body()).isEqualTo(inS3);
            assertThat(client.send("DELETE", "/v2/images/" + fileImage, ADMIN, null)
                            .statusCode())
                    .isEqualTo(204);
            assertThat(files(dataDir, "images")).doesNotContain(fileImage);
        }

        // Back to files, with the S3 options kept: S3's images stay readable and deletable.
        String[] backToFiles = Stream.concat(Stream.of(s3Options(bucket)), Stream.of("glance_store.default_store=file"))
                .toArray(String[]::new);
        try (LoupeServer files = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), backToFiles)) {
            assertThat(download(files, s3Image).body()).isEqualTo(inS3);
            assertThat(files.client()
                            .send("DELETE", "/v2/images/" + s3Image, ADMIN, null)
                            .statusCode())
                    .isEqualTo(204);
            assertThat(S3ProxyServer.keys(bucket)).isEmpty();
        }
    }

    /** A location no configured store reads: the download fails (500), it does not pretend the data is missing. */
    @Test
    void anImageInAStoreNoLongerConfiguredIsNotReportedAsMissing() {
        String bucket = S3ProxyServer.newBucket();
        source.serve("/s3.raw", fixture("raw.raw"));
        String s3Image;
        try (LoupeServer s3 = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), s3Options(bucket))) {
            s3Image = image(create(s3.client(), source.url("/s3.raw"), "raw"), s3.client())
                    .id();
        }

        try (LoupeServer files = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source))) {
            assertThat(download(files, s3Image).statusCode()).isEqualTo(500);
        }
        assertThat(S3ProxyServer.keys(bucket)).containsExactly(s3Image);
    }

    private String[] s3Options(String bucket) {
        return Stream.concat(Stream.of(Imports.reaching(source)), Stream.of(S3ProxyServer.options(bucket)))
                .toArray(String[]::new);
    }

    private ImageRows.Image image(String taskId) {
        return new ImageRows(dataDir).createdBy(taskId).getFirst();
    }

    private ImageRows.Image image(String taskId, Client client) {
        assertThat(awaitFinished(client, taskId).get("status").textValue()).isEqualTo("success");
        return image(taskId);
    }

    private static HttpResponse<byte[]> download(LoupeServer server, String imageId) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/images/" + imageId + "/file"));
        ADMIN.forEach(request::header);
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
