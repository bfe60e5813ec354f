package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.assertFailedMatching;
import static dev.loupe.imports.Imports.awaitFinished;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.fixture;
import static dev.loupe.imports.Imports.md5;
import static dev.loupe.imports.Imports.sha512;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.cli.Main;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeProcess;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports into S3, end to end: a real Loupe with {@code default_store = s3} against S3Proxy, parts of S3's smallest
 * size (5 MiB) so that a few MiB make a multipart upload. The image lands as one object keyed by its id, downloads
 * whole and by range, and is deleted with the image; an import that fails, or a server killed mid-upload, leaves
 * the bucket empty: no object and no unfinished multipart upload.
 */
@ExtendWith(S3ProxyServer.class)
class S3ImportIT {

    private static final int MIB = 1 << 20;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    private static String bucket;
    private static SourceServer source;
    private static LoupeServer loupe;
    private static Client client;

    @BeforeAll
    static void start() {
        bucket = S3ProxyServer.newBucket();
        source = SourceServer.start();
        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), options(bucket));
        client = loupe.client();
    }

    static String[] options(String bucket, String... more) {
        return Stream.of(
                        Imports.reaching(source),
                        S3ProxyServer.options(bucket, "glance_store.s3_store_large_object_chunk_size=5"),
                        more)
                .flatMap(Stream::of)
                .toArray(String[]::new);
    }

    @AfterAll
    static void stop() throws Exception {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
    }

    @Test
    void anImportLandsAsOneObjectAndIsDownloadedWholeAndByRangeThenDeleted() {
        byte[] bytes = fixture("qcow2-v3.qcow2");
        source.serve("/fixture.qcow2", bytes);

        ImageRows.Image image = imported(create(client, source.url("/fixture.qcow2"), "qcow2"));

        assertThat(image.location()).isEqualTo("s3://" + S3ProxyServer.host() + "/" + bucket + "/" + image.id());
        assertThat(S3ProxyServer.object(bucket, image.id())).isEqualTo(bytes);
        assertThat(image.checksum()).isEqualTo(md5(bytes));
        assertDownloads(image.id(), bytes);

        HttpResponse<String> deleted = client.send("DELETE", "/v2/images/" + image.id(), ADMIN, null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(S3ProxyServer.keys(bucket)).doesNotContain(image.id());
    }

    /** A chunked source of unknown length, 4.3 parts long: a multipart upload, byte for byte and digest for digest. */
    @Test
    void aLargeSourceOfUnknownLengthGoesAsAMultipartUpload() {
        byte[] bytes = random(21 * MIB + 12_345, 1);
        source.serveChunked("/large.raw", bytes, 64 * 1024);

        ImageRows.Image image = imported(create(client, source.url("/large.raw"), "raw"));

        assertThat(image.size()).isEqualTo(bytes.length);
        assertThat(image.checksum()).isEqualTo(md5(bytes));
        assertThat(image.osHashValue()).isEqualTo(sha512(bytes));
        assertThat(S3ProxyServer.client()
                        .headObject(b -> b.bucket(bucket).key(image.id()))
                        .eTag())
                .endsWith("-5\"");
        assertThat(S3ProxyServer.object(bucket, image.id())).isEqualTo(bytes);
        assertDownloads(image.id(), bytes);
        assertThat(S3ProxyServer.openUploads(bucket)).isEmpty();
    }

    /**
     * Content refused once all of it is in (a qcow2 declared raw, C11): the parts already sent are aborted, and
     * neither an object nor an unfinished upload is left.
     */
    @Test
    void anImportRefusedAfterItsPartsWereSentLeavesTheBucketEmpty() {
        String failing = S3ProxyServer.newBucket();
        byte[] bytes = Arrays.copyOf(fixture("qcow2-v3.qcow2"), 12 * MIB);
        source.serve("/disguised.raw", bytes);
        try (LoupeServer other =
                LoupeServer.withWorkers(dataDir.resolve("refused"), UnaryOperator.identity(), options(failing))) {
            String taskId = create(other.client(), source.url("/disguised.raw"), "raw");

            assertFailedMatching(other.client(), taskId, ".*qcow2.*");
            assertThat(new ImageRows(other.dataDir()).all()).isEmpty();
        }
        assertThat(S3ProxyServer.keys(failing)).isEmpty();
        assertThat(S3ProxyServer.openUploads(failing)).isEmpty();
    }

    /** A source that ends early, after a part was sent: the upload is aborted. */
    @Test
    void aSourceThatEndsMidUploadLeavesTheBucketEmpty() {
        String failing = S3ProxyServer.newBucket();
        CountDownLatch partSent = new CountDownLatch(1);
        byte[] bytes = random(8 * MIB, 2);
        source.script("/ends.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Content-Length: " + 20 * MIB);
            out.write(bytes);
            out.flush();
            partSent.await(60, TimeUnit.SECONDS);
            socket.shutdownOutput();
        });
        try (LoupeServer other =
                LoupeServer.withWorkers(dataDir.resolve("ends"), UnaryOperator.identity(), options(failing))) {
            String taskId = create(other.client(), source.url("/ends.raw"), "raw");
            awaitOpenUpload(failing);
            partSent.countDown();

            assertFailedMatching(other.client(), taskId, "Source ended after 8388608 of 20971520 bytes");
            assertThat(new ImageRows(other.dataDir()).all()).isEmpty();
        }
        assertThat(S3ProxyServer.keys(failing)).isEmpty();
        assertThat(S3ProxyServer.openUploads(failing)).isEmpty();
    }

    /** Data removed from the bucket behind Loupe's back: the download answers 204, as for a missing file. */
    @Test
    void anImageWhoseObjectIsGoneDownloadsAs204() {
        source.serve("/gone.raw", fixture("raw.raw"));
        ImageRows.Image image = imported(create(client, source.url("/gone.raw"), "raw"));
        S3ProxyServer.client().deleteObject(b -> b.bucket(bucket).key(image.id()));

        HttpResponse<byte[]> r = download(image.id());
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    /**
     * A server killed (SIGKILL) while its import's multipart upload is open: the restarted server recovers the task
     * and its cleanup aborts the upload the dead process left, so S3 keeps none of its parts.
     */
    @Test
    void aServerKilledMidUploadLeavesNothingOnceItsTaskIsRecovered() {
        String killedBucket = S3ProxyServer.newBucket();
        Path data = dataDir.resolve("killed");
        byte[] bytes = random(8 * MIB, 3);
        CountDownLatch release = new CountDownLatch(1);
        source.script("/held.raw", (socket, out) -> {
            SourceServer.head(out, "200 OK", "Content-Length: " + 20 * MIB);
            out.write(bytes);
            out.flush();
            release.await(120, TimeUnit.SECONDS);
        });
        String[] settings = options(
                killedBucket,
                "task.lease_duration=2",
                "task.heartbeat_interval=0.5",
                "task.poll_interval=0.5",
                "task.max_attempts=1");
        String taskId;
        try (LoupeProcess first = serve(data, settings)) {
            Client api = first.awaitReady(Duration.ofSeconds(60));
            taskId = create(api, source.url("/held.raw"), "raw");
            awaitOpenUpload(killedBucket);
            first.kill();
        } finally {
            release.countDown();
        }
        assertThat(S3ProxyServer.openUploads(killedBucket)).hasSize(1);

        try (LoupeProcess second = serve(data, settings)) {
            Client api = second.awaitReady(Duration.ofSeconds(60));
            JsonNode view = awaitFinished(api, taskId);
            assertThat(view.get("status").textValue()).isEqualTo("failure");
            Await.until(
                    Duration.ofSeconds(30),
                    () -> S3ProxyServer.openUploads(killedBucket).isEmpty(),
                    "the killed node's upload to be aborted");
            assertThat(S3ProxyServer.keys(killedBucket)).isEmpty();
        }
    }

    private static LoupeProcess serve(Path data, String... settings) {
        List<String> args = new ArrayList<>(List.of("serve", "--data-dir", data.toString()));
        args.add("--set");
        args.add("DEFAULT.bind_port=0");
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return LoupeProcess.mainClass(
                data.getParent(),
                Main.class,
                List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"),
                args.toArray(String[]::new));
    }

    private static void awaitOpenUpload(String bucket) {
        Await.until(
                Duration.ofSeconds(60),
                () -> !S3ProxyServer.openUploads(bucket).isEmpty(),
                "a multipart upload to begin in " + bucket);
    }

    private ImageRows.Image imported(String taskId) {
        JsonNode view = awaitFinished(client, taskId);
        assertThat(view.get("status").textValue()).as("task %s", view).isEqualTo("success");
        String imageId = view.get("result").get("image_id").textValue();
        ImageRows.Image image = new ImageRows(dataDir).find(imageId).orElseThrow();
        assertThat(image.status()).isEqualTo("active");
        return image;
    }

    private static void assertDownloads(String imageId, byte[] bytes) {
        HttpResponse<byte[]> whole = download(imageId);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(bytes);

        int from = bytes.length / 2;
        HttpResponse<byte[]> range = download(imageId, "Range", "bytes=" + from + "-" + (from + 99));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(bytes, from, from + 100));
        assertThat(range.headers().firstValue("Content-Range"))
                .hasValue("bytes " + from + "-" + (from + 99) + "/" + bytes.length);

        HttpResponse<byte[]> tail = download(imageId, "Range", "bytes=-7");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(bytes, bytes.length - 7, bytes.length));
    }

    private static HttpResponse<byte[]> download(String imageId, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(loupe.baseUrl() + "/v2/images/" + imageId + "/file"));
        ADMIN.forEach(request::header);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
