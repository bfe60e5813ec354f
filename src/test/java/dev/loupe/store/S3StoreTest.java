package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.config.Config;
import dev.loupe.testing.S3ProxyServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The S3 store against a real S3 server (S3Proxy): the shared contract with parts of S3's smallest size (5 MiB), so
 * the large data goes as a multipart upload of several parts, and what only S3 has: locations without credentials,
 * single puts, parts that grow, aborted and abandoned multipart uploads, the bucket check at start.
 */
@ExtendWith(S3ProxyServer.class)
class S3StoreTest extends ImageStoreContract {

    private static final long MIB = 1 << 20;
    private static final long PART = 5 * MIB;

    @TempDir
    Path dir;

    private final String bucket = S3ProxyServer.newBucket();

    @Override
    protected ImageStore newStore() throws StoreFailure {
        return S3Store.open(settings(bucket).withParts(PART, 10_000, 1L << 40));
    }

    @Override
    protected List<String> leftovers(String imageId) {
        List<String> left = new ArrayList<>(
                S3ProxyServer.keys(bucket).stream().filter(imageId::equals).toList());
        S3ProxyServer.openUploads(bucket).stream()
                .filter(u -> u.key().equals(imageId))
                .forEach(u -> left.add("unfinished upload " + u.uploadId()));
        return left;
    }

    @Override
    protected String foreignLocation() {
        return "s3://s3.example.org/" + bucket + "/" + id;
    }

    @Override
    protected int largeSize() {
        return (int) (2 * PART + 3 * MIB);
    }

    private S3Settings settings(String bucket, String... more) {
        return S3Settings.from(Config.load(
                null,
                Stream.concat(Stream.of(S3ProxyServer.options(bucket)), Stream.of(more))
                        .toList(),
                dir));
    }

    @Test
    void theLocationNamesEndpointBucketAndKeyAndNoCredentials() throws Exception {
        String location = publish("x");

        assertThat(location).isEqualTo("s3://" + S3ProxyServer.host() + "/" + bucket + "/" + id);
        assertThat(location)
                .doesNotContain(S3ProxyServer.ACCESS_KEY)
                .doesNotContain(S3ProxyServer.SECRET_KEY)
                .doesNotContain("@");
        assertThat(S3ProxyServer.object(bucket, id)).isEqualTo(bytes("x"));
    }

    /** Small data goes as one PutObject (its ETag is a plain MD5); large data as parts (ETag "md5-N"). */
    @Test
    void dataOfOnePartGoesAsOnePutAndMoreAsAMultipartUpload() throws Exception {
        publish("small");
        assertThat(eTag(id)).doesNotContain("-");

        String large = UUID.randomUUID().toString();
        byte[] data = random((int) (2 * PART + 1), 5);
        try (ImageStore.Upload upload = store().begin(large)) {
            upload.write(data, 0, data.length);
            upload.publish();
        }
        assertThat(eTag(large)).endsWith("-3");
        assertThat(S3ProxyServer.object(bucket, large)).isEqualTo(data);
    }

    /**
     * Twelve uploads at once want more part buffers than the store's budget: they take turns for buffers, all
     * complete intact, and every buffer's share goes back.
     */
    @Test
    void concurrentUploadsShareTheBufferBudgetAndGiveItBack() throws Exception {
        try (S3Store shared = S3Store.open(settings(bucket).withParts(PART, 10_000, 1L << 40))) {
            java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(12);
            java.util.List<java.util.concurrent.Future<byte[]>> uploads = new java.util.ArrayList<>();
            java.util.List<String> keys = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String key = UUID.randomUUID().toString();
                keys.add(key);
                byte[] data = random((int) (4 * PART + i), 20 + i);
                uploads.add(writers.submit(() -> {
                    try (ImageStore.Upload upload = shared.begin(key)) {
                        for (int at = 0; at < data.length; at += 1 << 20) {
                            upload.write(data, at, Math.min(1 << 20, data.length - at));
                        }
                        upload.publish();
                    }
                    return data;
                }));
            }
            for (int i = 0; i < 12; i++) {
                byte[] written = uploads.get(i).get();
                assertThat(S3ProxyServer.object(bucket, keys.get(i))).isEqualTo(written);
            }
            writers.shutdown();
            assertThat(shared.freeBufferBudget()).isEqualTo(S3Store.BUFFER_BUDGET_MIB);
        }
    }

    /** Data exactly one part long is still one PutObject: a full part is sent only when more data follows. */
    @Test
    void dataOfExactlyOnePartIsOnePut() throws Exception {
        byte[] data = random((int) PART, 6);
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(data, 0, data.length);
            upload.publish();
        }

        assertThat(eTag(id)).doesNotContain("-");
        assertThat(S3ProxyServer.object(bucket, id)).isEqualTo(data);
    }

    /**
     * The store never knows an upload's length, so parts grow for the size cap to fit in the part limit: here 4
     * parts must hold 30 MiB, so the parts are 5, 5, 10 and 10 MiB, and 27 MiB, more than 4 parts of 5 MiB could
     * carry, are stored whole.
     */
    @Test
    void partsGrowSoThatTheSizeCapFitsInThePartLimit() throws Exception {
        ImageStore small = S3Store.open(settings(bucket).withParts(PART, 4, 30 * MIB));
        byte[] data = random((int) (27 * MIB), 7);
        String location;
        try (ImageStore.Upload upload = small.begin(id)) {
            for (int at = 0; at < data.length; at += 1 << 20) {
                upload.write(data, at, Math.min(1 << 20, data.length - at));
            }
            location = upload.publish();
        } finally {
            small.close();
        }

        assertThat(eTag(id)).endsWith("-4");
        assertThat(read(location, 0, -1)).isEqualTo(data);
    }

    @Test
    void dataBeyondWhatThePartLimitHoldsFailsTheUploadAndLeavesNothing() throws Exception {
        try (ImageStore small = S3Store.open(settings(bucket).withParts(PART, 2, 10 * MIB))) {
            byte[] data = random((int) (10 * MIB + 1), 8);
            try (ImageStore.Upload upload = small.begin(id)) {
                assertThatThrownBy(() -> upload.write(data, 0, data.length))
                        .isInstanceOf(StoreFailure.class)
                        .hasMessageStartingWith("The image is larger than the S3 store can hold in one object");
            }
        }

        assertThat(leftovers(id)).isEmpty();
    }

    /** A part that fails (here: its upload was aborted behind the store's back) fails the upload, which leaves nothing. */
    @Test
    void aFailedPartFailsTheUploadAndLeavesNothing() throws Exception {
        byte[] data = random((int) PART, 9);
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(data, 0, data.length);
            upload.write(data, 0, data.length);
            for (MultipartUpload open : S3ProxyServer.openUploads(bucket)) {
                S3ProxyServer.client()
                        .abortMultipartUpload(
                                b -> b.bucket(bucket).key(open.key()).uploadId(open.uploadId()));
            }
            assertThatThrownBy(() -> {
                        upload.write(data, 0, data.length);
                        upload.publish();
                    })
                    .isInstanceOf(StoreFailure.class)
                    .hasMessageContaining("S3 answered 404 NoSuchUpload");
        }

        assertThat(leftovers(id)).isEmpty();
    }

    /** What a process killed mid-upload leaves: an open multipart upload with parts. Discarding the image ends it. */
    @Test
    void discardAbortsAMultipartUploadAStoppedProcessLeftOpen() throws Exception {
        var s3 = S3ProxyServer.client();
        String uploadId =
                s3.createMultipartUpload(b -> b.bucket(bucket).key(id)).uploadId();
        s3.uploadPart(
                b -> b.bucket(bucket).key(id).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(random((int) PART, 10)));
        String other = UUID.randomUUID().toString();
        s3.createMultipartUpload(b -> b.bucket(bucket).key(other));
        assertThat(leftovers(id)).hasSize(1);

        store().discard(id);

        assertThat(leftovers(id)).isEmpty();
        assertThat(S3ProxyServer.openUploads(bucket))
                .extracting(MultipartUpload::key)
                .containsExactly(other);
    }

    /**
     * Nodes of a cluster started together, each allowed to create the missing bucket: one creates it, and the others
     * (told by S3 that the bucket is already theirs) start too instead of stopping on it.
     */
    @Test
    void nodesStartedTogetherOnAMissingBucketAllStartWhenOneCreatesIt() throws Exception {
        String missing = "loupe-raced-" + UUID.randomUUID().toString().substring(0, 8);
        S3Settings settings = settings(missing, "glance_store.s3_store_create_bucket_on_put=true");
        List<Future<S3Store>> opens = new ArrayList<>();
        try (ExecutorService nodes = Executors.newFixedThreadPool(8)) {
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 8; i++) {
                opens.add(nodes.submit(() -> {
                    go.await();
                    return S3Store.open(settings);
                }));
            }
            go.countDown();
        }
        for (Future<S3Store> open : opens) {
            open.get().close();
        }
        assertThat(S3ProxyServer.keys(missing)).isEmpty();
    }

    @Test
    void aMissingBucketStopsTheStartUnlessItMayBeCreated() throws Exception {
        String missing = "loupe-missing-" + UUID.randomUUID().toString().substring(0, 8);

        assertThatThrownBy(() -> S3Store.open(settings(missing)))
                .isInstanceOf(StoreFailure.class)
                .hasMessage("The S3 bucket " + missing + " does not exist at " + S3ProxyServer.endpoint()
                        + "; create it, or set [glance_store] s3_store_create_bucket_on_put = true");

        S3Store.open(settings(missing, "glance_store.s3_store_create_bucket_on_put=true"))
                .close();
        assertThat(S3ProxyServer.keys(missing)).isEmpty();
    }

    @Test
    void refusedCredentialsStopTheStartAndTheMessageHoldsNoSecret() {
        assertThatThrownBy(() -> S3Store.open(settings(bucket, "glance_store.s3_store_secret_key=wrong-secret")))
                .isInstanceOf(StoreFailure.class)
                .hasMessageStartingWith(
                        "Cannot use the S3 bucket " + bucket + " at " + S3ProxyServer.endpoint() + ": S3 answered 403")
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("wrong-secret")
                        .doesNotContain(S3ProxyServer.SECRET_KEY));
    }

    /** With data integrity protection, uploads carry CRC checksums and downloads are checked: S3Proxy accepts both. */
    @Test
    void checksumsWhenSupportedWorkToo() throws Exception {
        try (ImageStore checked = S3Store.open(settings(
                        bucket,
                        "glance_store.s3_store_enable_data_integrity_protection=true",
                        "glance_store.s3_store_request_checksum_calculation=when_supported",
                        "glance_store.s3_store_response_checksum_validation=when_supported")
                .withParts(PART, 10_000, 1L << 40))) {
            byte[] data = random((int) (PART + 1000), 11);
            String location;
            try (ImageStore.Upload upload = checked.begin(id)) {
                upload.write(data, 0, data.length);
                location = upload.publish();
            }
            String small = UUID.randomUUID().toString();
            String smallLocation;
            try (ImageStore.Upload upload = checked.begin(small)) {
                upload.write(data, 0, 1000);
                smallLocation = upload.publish();
            }
            try (var in = checked.open(location, 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            try (var in = checked.open(smallLocation, 0, -1)) {
                assertThat(in.readAllBytes()).hasSize(1000);
            }
        }
    }

    /** A download given up half-way is cut off, not read to its end, and the store goes on serving. */
    @Test
    void aDownloadClosedEarlyLeavesTheStoreUsable() throws Exception {
        byte[] data = random((int) (3 * PART), 12);
        String location;
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(data, 0, data.length);
            location = upload.publish();
        }
        for (int i = 0; i < 60; i++) {
            try (var in = store().open(location, 0, -1)) {
                assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(data, 10));
            }
        }

        assertThat(read(location, PART, 5)).isEqualTo(java.util.Arrays.copyOfRange(data, (int) PART, (int) PART + 5));
    }

    @Test
    void anotherBucketOfTheSameEndpointIsReadButNoOtherEndpoint() throws Exception {
        String other = S3ProxyServer.newBucket();
        S3ProxyServer.client().putObject(b -> b.bucket(other).key(id), RequestBody.fromString("old bucket"));

        assertThat(read("s3://" + S3ProxyServer.host() + "/" + other + "/" + id, 0, -1))
                .isEqualTo(bytes("old bucket"));
        assertThatThrownBy(() -> store().open("s3+https://" + S3ProxyServer.host() + "/" + other + "/" + id, 0, -1))
                .isInstanceOf(StoreFailure.class)
                .hasMessageStartingWith("Not a location of the S3 store");
        assertThatThrownBy(() -> store().open(
                                "s3://" + S3ProxyServer.ACCESS_KEY + ":" + S3ProxyServer.SECRET_KEY + "@"
                                        + S3ProxyServer.host() + "/" + other + "/" + id,
                                0,
                                -1))
                .isInstanceOf(StoreFailure.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(S3ProxyServer.SECRET_KEY));
    }

    /** An https endpoint whose certificate the JDK does not trust: s3_store_cacert names the CA to trust instead. */
    @Test
    void anHttpsEndpointIsTrustedThroughS3StoreCacert() throws Exception {
        String https = "glance_store.s3_store_host=" + S3ProxyServer.secureEndpoint();
        try (ImageStore tls =
                S3Store.open(settings(bucket, https, "glance_store.s3_store_cacert=" + S3ProxyServer.caPem()))) {
            String location;
            try (ImageStore.Upload upload = tls.begin(id)) {
                upload.write(bytes("over tls"), 0, 8);
                location = upload.publish();
            }
            assertThat(location)
                    .isEqualTo("s3+https://" + S3ProxyServer.secureEndpoint().substring("https://".length()) + "/"
                            + bucket + "/" + id);
            try (var in = tls.open(location, 5, 3)) {
                assertThat(in.readAllBytes()).isEqualTo(bytes("tls"));
            }
        }

        assertThatThrownBy(() -> S3Store.open(settings(bucket, https)))
                .isInstanceOf(StoreFailure.class)
                .hasMessageStartingWith("Cannot use the S3 bucket " + bucket + " at " + S3ProxyServer.secureEndpoint());
        assertThatThrownBy(() -> S3Store.open(
                        settings(bucket, https, "glance_store.s3_store_cacert=" + dir.resolve("none.pem"))))
                .isInstanceOf(StoreFailure.class)
                .hasMessageStartingWith("Cannot read s3_store_cacert");
    }

    private String eTag(String key) {
        return S3ProxyServer.client()
                .headObject(b -> b.bucket(bucket).key(key))
                .eTag()
                .replace("\"", "");
    }
}
