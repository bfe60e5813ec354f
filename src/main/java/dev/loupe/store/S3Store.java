package dev.loupe.store;

import dev.loupe.tls.TrustBundle;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Image data as objects in one S3 bucket ({@code [glance_store] s3_store_*}), keyed by image id as glance_store
 * keys them. Locations are {@code s3://host/bucket/key} ({@code s3+https://} for an https endpoint), glance_store's
 * form without its {@code access:secret@}: the credentials come from the configuration, so no location, API answer
 * or log line carries them.
 *
 * <p>An upload streams: {@link Upload#write} fills part buffers and each full part is sent on the store's own
 * threads ({@code s3_store_thread_pools}, shared by every upload) while the import goes on hashing and inspecting the
 * next chunks; a few parts of an upload are in flight at most ({@link #partsInFlight}), so its memory stays at those
 * parts plus the one being filled. Data that fits
 * in one part goes as a single PutObject. Publishing completes the multipart upload; closing without publishing, or
 * any failure, aborts it, and {@link #discard} aborts whatever upload a stopped process left open for the key.
 */
public final class S3Store implements ImageStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);
    private static final List<String> SCHEMES = List.of("s3", "s3+http", "s3+https");

    private final S3Settings settings;
    private final S3Client s3;
    private final PartPlan plan;
    private final ThreadPoolExecutor senders;
    /** Part buffers of the configured size, kept for the next parts and the next uploads (an upload's worth). */
    private final Deque<byte[]> spare = new ArrayDeque<>();

    /** Bytes of one upload's parts in flight that parallelism may cost, beyond the part being filled. */
    static final long IN_FLIGHT_BYTES = 16L << 20;

    /**
     * Part buffers all uploads may hold at once, in MiB: the heap is bounded (the launcher gives 192 MiB), so ten
     * imports at once wait for buffers rather than run out of memory. Each import's first part always finds room
     * soon: a buffer goes back as soon as its part is sent.
     */
    static final int BUFFER_BUDGET_MIB = 64;

    private final Semaphore bufferBudget = new Semaphore(BUFFER_BUDGET_MIB);

    /**
     * How many parts of one upload are sent at once: as many as fit in {@link #IN_FLIGHT_BYTES}, at least two (one
     * sent while another waits its turn and a third fills), never more than the threads. Two of 10 MiB keep up with
     * an import, since a store that keeps up sends a part faster than the import fills the next: more only add
     * memory (10 MiB each) when the store is the bottleneck.
     */
    static int partsInFlight(long partSize, int threads) {
        return (int) Math.max(1, Math.min(threads, Math.max(2, IN_FLIGHT_BYTES / partSize)));
    }

    /** MiB of part buffers free to take: the whole budget when no upload holds one. */
    int freeBufferBudget() {
        return bufferBudget.availablePermits();
    }

    /** A buffer's share of the budget; a part larger than the whole budget takes all of it. */
    private static int budgetUnits(long bytes) {
        return (int) Math.min(BUFFER_BUDGET_MIB, Math.max(1, (bytes + (1 << 20) - 1) >> 20));
    }

    private S3Store(S3Settings settings, S3Client s3) {
        this.settings = settings;
        this.s3 = s3;
        this.plan = new PartPlan(settings.partSize(), settings.maxParts(), settings.sizeCap());
        // One lane for every upload's parts; each upload holds back once its own parts in flight reach the limit.
        this.senders = new ThreadPoolExecutor(
                settings.threads(),
                settings.threads(),
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("s3-part-", 1).daemon().factory());
        senders.allowCoreThreadTimeOut(true);
    }

    /**
     * Connects and checks the bucket (creating it when {@code s3_store_create_bucket_on_put} says so), so wrong
     * settings stop the start, not the first import.
     */
    public static S3Store open(S3Settings settings) throws StoreFailure {
        S3Client client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(settings.pathStyle())
                // Plain bodies with a Content-Length, as botocore sends them: the aws-chunked framing (a signature
                // per 128 KiB over plain HTTP) copies every byte once more, and some S3-compatible stores refuse it.
                .serviceConfiguration(c -> c.chunkedEncodingEnabled(false))
                .requestChecksumCalculation(
                        settings.requestChecksumsWhenSupported()
                                ? RequestChecksumCalculation.WHEN_SUPPORTED
                                : RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(
                        settings.responseChecksumsWhenSupported()
                                ? ResponseChecksumValidation.WHEN_SUPPORTED
                                : ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(httpClient(settings))
                .build();
        S3Store store = new S3Store(settings, client);
        try {
            store.checkBucket();
        } catch (StoreFailure | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private static Apache5HttpClient.Builder httpClient(S3Settings settings) throws StoreFailure {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder()
                // Every part in flight has its connection, and downloads and deletes find one free besides.
                .maxConnections(Math.max(50, settings.threads() * 2))
                .connectionTimeout(Duration.ofSeconds(10))
                .tcpKeepAlive(true);
        if (settings.cacert() != null) {
            TrustManager[] trust = trustManagers(settings);
            http.tlsTrustManagersProvider(() -> trust);
        }
        return http;
    }

    private static TrustManager[] trustManagers(S3Settings settings) throws StoreFailure {
        try {
            return new TrustManager[] {TrustBundle.only(settings.cacert()).trustManager()};
        } catch (IOException e) {
            throw new StoreFailure("Cannot read s3_store_cacert " + settings.cacert() + ": " + e.getMessage(), e);
        }
    }

    private void checkBucket() throws StoreFailure {
        try {
            s3.headBucket(b -> b.bucket(settings.bucket()));
            return;
        } catch (NoSuchBucketException e) {
            if (!settings.createBucket()) {
                throw new StoreFailure("The S3 bucket " + settings.bucket() + " does not exist at " + endpointName()
                        + "; create it, or set [glance_store] s3_store_create_bucket_on_put = true");
            }
        } catch (SdkException e) {
            if (!(e instanceof S3Exception s3e && s3e.statusCode() == 404)) {
                throw new StoreFailure(
                        "Cannot use the S3 bucket " + settings.bucket() + " at " + endpointName() + ": " + describe(e),
                        e);
            }
            if (!settings.createBucket()) {
                throw new StoreFailure("The S3 bucket " + settings.bucket() + " does not exist at " + endpointName()
                        + "; create it, or set [glance_store] s3_store_create_bucket_on_put = true");
            }
        }
        try {
            s3.createBucket(b -> {
                b.bucket(settings.bucket());
                if (!settings.region().equals("us-east-1")) {
                    b.createBucketConfiguration(c -> c.locationConstraint(settings.region()));
                }
            });
            LOG.info("Created the S3 bucket {} at {}", settings.bucket(), endpointName());
        } catch (BucketAlreadyOwnedByYouException e) {
            // Another node of the cluster, started at the same time, created it first: it is ours to use.
            LOG.info("The S3 bucket {} at {} was created meanwhile by another node", settings.bucket(), endpointName());
        } catch (SdkException e) {
            throw new StoreFailure(
                    "Cannot create the S3 bucket " + settings.bucket() + " at " + endpointName() + ": " + describe(e),
                    e);
        }
    }

    @Override
    public List<String> schemes() {
        return SCHEMES;
    }

    /** The location of an object of this store: the form images record. */
    private String location(String key) {
        return settings.locationScheme() + "://" + settings.authority() + "/" + settings.bucket() + "/" + key;
    }

    @Override
    public Upload begin(String imageId) throws StoreFailure {
        return new PartUpload(key(imageId));
    }

    @Override
    public InputStream open(String location, long offset, long length) throws StoreFailure {
        Located at = locate(location);
        try {
            if (length == 0) {
                s3.headObject(b -> b.bucket(at.bucket()).key(at.key()));
                return InputStream.nullInputStream();
            }
            String range = offset == 0 && length < 0
                    ? null
                    : "bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1));
            ResponseInputStream<GetObjectResponse> in =
                    s3.getObject(b -> b.bucket(at.bucket()).key(at.key()).range(range));
            return new Download(in);
        } catch (SdkException e) {
            if (missing(e)) {
                throw new StoreFailure.Missing("The image data is missing from the store", e);
            }
            throw new StoreFailure("Cannot read the image data: " + describe(e), e);
        }
    }

    @Override
    public void delete(String location) throws StoreFailure {
        Located at = locate(location);
        try {
            s3.deleteObject(b -> b.bucket(at.bucket()).key(at.key()));
        } catch (SdkException e) {
            if (!missing(e)) {
                throw new StoreFailure("Cannot delete the image data: " + describe(e), e);
            }
        }
    }

    /** Aborts any multipart upload left open for the image's key (a stopped process), then deletes the object. */
    @Override
    public void discard(String imageId) throws StoreFailure {
        String key = key(imageId);
        try {
            for (MultipartUpload open : s3.listMultipartUploadsPaginator(
                            b -> b.bucket(settings.bucket()).prefix(key))
                    .uploads()) {
                if (open.key().equals(key)) {
                    abort(key, open.uploadId());
                }
            }
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            throw new StoreFailure("Cannot remove the data of image " + imageId + ": " + describe(e), e);
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
        } catch (NoSuchUploadException e) {
            // Aborted or completed already.
        }
    }

    @Override
    public void close() {
        senders.shutdownNow();
        s3.close();
    }

    private record Located(String bucket, String key) {}

    /**
     * The bucket and key of one of this store's locations. Only locations of this store's endpoint are read: the
     * configured credentials go nowhere else. A location with credentials in it (glance_store's form) is refused.
     */
    private Located locate(String location) throws StoreFailure {
        URI uri;
        try {
            uri = new URI(location);
        } catch (java.net.URISyntaxException e) {
            throw new StoreFailure("Not a location of the S3 store: " + location, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String[] segments = path.startsWith("/") ? path.substring(1).split("/", -1) : new String[0];
        boolean sameEndpoint = (settings.locationScheme().equals("s3+https")
                        ? scheme.equals("s3+https")
                        : scheme.equals("s3") || scheme.equals("s3+http"))
                && uri.getRawUserInfo() == null
                && settings.authority().equalsIgnoreCase(uri.getRawAuthority());
        if (!sameEndpoint || segments.length != 2 || segments[0].isEmpty() || segments[1].isEmpty()) {
            throw new StoreFailure("Not a location of the S3 store at " + endpointName() + ": " + redacted(uri));
        }
        return new Located(segments[0], segments[1]);
    }

    /** A location as logs may show it: without anything before an {@code @}. */
    private static String redacted(URI uri) {
        return uri.getRawUserInfo() == null
                ? uri.toString()
                : uri.getScheme() + "://***@" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                        + uri.getRawPath();
    }

    private String endpointName() {
        return settings.endpoint().toString();
    }

    /** Image ids are UUIDs; anything else must never become a key. */
    private static String key(String imageId) {
        return UUID.fromString(imageId).toString();
    }

    private static boolean missing(SdkException e) {
        return e instanceof NoSuchKeyException
                || e instanceof NoSuchBucketException
                || e instanceof S3Exception s3e && s3e.statusCode() == 404;
    }

    /** What S3 answered ({@code 403 AccessDenied: ...}) or why it could not be reached; never a credential. */
    static String describe(Throwable e) {
        if (e instanceof S3Exception s3e && s3e.awsErrorDetails() != null) {
            String code = s3e.awsErrorDetails().errorCode();
            String message = s3e.awsErrorDetails().errorMessage();
            return "S3 answered " + s3e.statusCode() + (code == null ? "" : " " + code)
                    + (message == null ? "" : ": " + message);
        }
        if (e instanceof S3Exception s3e) {
            return "S3 answered " + s3e.statusCode();
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    /**
     * A ranged or whole object being read. Closing it before its end aborts the connection: the HTTP client would
     * otherwise read the rest of the object (gigabytes for an abandoned download) to reuse it.
     */
    private static final class Download extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        /** Bytes the answer still holds, when S3 said how many; -1 when only the end of the stream tells. */
        private long remaining;

        Download(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
            Long length = response.response().contentLength();
            this.remaining = length == null ? -1 : length;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count(n);
            return n;
        }

        private void count(int n) {
            if (n < 0) {
                remaining = 0;
            } else if (remaining > 0) {
                remaining = Math.max(0, remaining - n);
            }
        }

        /** A whole answer lets its connection be reused; a partly read one is cut off. */
        @Override
        public void close() throws IOException {
            if (remaining != 0) {
                response.abort();
            }
            super.close();
        }
    }

    /**
     * One image's data on its way into S3. The writer (the import's store lane) fills a part buffer; a full part is
     * handed to the senders once the next byte arrives (so data of exactly one part can still go as one PutObject),
     * and its buffer comes back to the store's spares once the part is sent. A part that fails is remembered and reported by the
     * next write or by publish; the whole upload is then aborted.
     */
    private final class PartUpload implements Upload {
        private final String key;
        private final Semaphore inFlight = new Semaphore(partsInFlight(settings.partSize(), settings.threads()));
        private final List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private byte[] buffer;
        private int filled;
        private int nextPart = 1;
        private long size;
        private String uploadId;
        private boolean finished;

        PartUpload(String key) {
            this.key = key;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws StoreFailure {
            rethrowFailure();
            while (length > 0) {
                if (buffer != null && filled == buffer.length) {
                    send();
                }
                if (buffer == null) {
                    if (nextPart > plan.maxParts()) {
                        throw new StoreFailure("The image is larger than the S3 store can hold in one object ("
                                + plan.capacity() + " bytes in " + plan.maxParts() + " parts)");
                    }
                    buffer = take(plan.size(nextPart));
                }
                int n = Math.min(length, buffer.length - filled);
                System.arraycopy(bytes, offset, buffer, filled, n);
                filled += n;
                offset += n;
                length -= n;
                size += n;
            }
        }

        @Override
        public String publish() throws StoreFailure {
            rethrowFailure();
            try {
                if (uploadId == null && (size == 0 || size < settings.singlePutBelow())) {
                    putWhole();
                } else {
                    if (filled > 0 || uploadId == null) {
                        send();
                    }
                    complete();
                }
            } catch (SdkException e) {
                throw new StoreFailure("Saving the image in the store failed: " + describe(e), e);
            }
            finished = true;
            if (buffer != null) {
                give(buffer);
                buffer = null;
            }
            return location(key);
        }

        private void putWhole() {
            byte[] data = buffer == null ? new byte[0] : buffer;
            int length = filled;
            s3.putObject(b -> b.bucket(settings.bucket()).key(key).contentLength((long) length), body(data, length));
        }

        private void complete() throws StoreFailure {
            List<CompletedPart> sent = new ArrayList<>(parts.size());
            for (CompletableFuture<CompletedPart> part : parts) {
                sent.add(await(part));
            }
            rethrowFailure();
            s3.completeMultipartUpload(
                    b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId).multipartUpload(u -> u.parts(sent)));
            LOG.debug("Stored {} bytes in {} parts as {}", size, sent.size(), key);
        }

        /** Hands the buffer over as the next part, once fewer than the limit of this upload's parts are in flight. */
        private void send() throws StoreFailure {
            try {
                if (uploadId == null) {
                    uploadId = s3.createMultipartUpload(
                                    b -> b.bucket(settings.bucket()).key(key))
                            .uploadId();
                }
                inFlight.acquire();
            } catch (SdkException e) {
                throw new StoreFailure("Writing the image to the store failed: " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreFailure("Writing the image to the store was interrupted", e);
            }
            byte[] data = buffer;
            int length = filled;
            int number = nextPart++;
            buffer = null;
            filled = 0;
            String id = uploadId;
            CompletableFuture<CompletedPart> part;
            try {
                part = CompletableFuture.supplyAsync(() -> sendPart(id, number, data, length), senders);
            } catch (RuntimeException e) {
                inFlight.release();
                throw new StoreFailure("Writing the image to the store failed: the store is closed", e);
            }
            parts.add(part.whenComplete((sent, e) -> {
                if (e != null) {
                    failure.compareAndSet(
                            null, e instanceof java.util.concurrent.CompletionException ? e.getCause() : e);
                }
                give(data);
                inFlight.release();
            }));
        }

        private CompletedPart sendPart(String id, int number, byte[] data, int length) {
            String eTag = s3.uploadPart(
                            b -> b.bucket(settings.bucket())
                                    .key(key)
                                    .uploadId(id)
                                    .partNumber(number)
                                    .contentLength((long) length),
                            body(data, length))
                    .eTag();
            return CompletedPart.builder().partNumber(number).eTag(eTag).build();
        }

        private static RequestBody body(byte[] data, int length) {
            // A stream per attempt, over the buffer itself: no copy, and retries read it again.
            return RequestBody.fromContentProvider(
                    () -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream");
        }

        /** A buffer for the next part, once the store's budget has room for it. */
        private byte[] take(long partSize) throws StoreFailure {
            try {
                bufferBudget.acquire(budgetUnits(partSize));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreFailure("Writing the image to the store was interrupted", e);
            }
            if (partSize == settings.partSize()) {
                synchronized (spare) {
                    byte[] kept = spare.poll();
                    if (kept != null) {
                        return kept;
                    }
                }
            }
            return new byte[Math.toIntExact(partSize)];
        }

        /** Returns a buffer's share of the budget, and keeps it for reuse if of the configured size (an upload's worth). */
        private void give(byte[] data) {
            bufferBudget.release(budgetUnits(data.length));
            if (data.length == settings.partSize()) {
                synchronized (spare) {
                    if (spare.size() <= partsInFlight(settings.partSize(), settings.threads())) {
                        spare.push(data);
                    }
                }
            }
        }

        private void rethrowFailure() throws StoreFailure {
            Throwable failed = failure.get();
            if (failed != null) {
                throw new StoreFailure("Writing the image to the store failed: " + describe(failed), failed);
            }
        }

        private CompletedPart await(CompletableFuture<CompletedPart> part) throws StoreFailure {
            try {
                return part.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreFailure("Writing the image to the store was interrupted", e);
            } catch (ExecutionException e) {
                throw new StoreFailure(
                        "Writing the image to the store failed: " + describe(e.getCause()), e.getCause());
            }
        }

        /** Without publish: lets the parts in flight end, then aborts the upload so S3 keeps none of them. */
        @Override
        public void close() {
            if (finished) {
                return;
            }
            finished = true;
            boolean interrupted = Thread.interrupted();
            for (CompletableFuture<CompletedPart> part : parts) {
                while (true) {
                    try {
                        part.get();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        break;
                    }
                }
            }
            if (uploadId != null) {
                try {
                    abort(key, uploadId);
                } catch (SdkException e) {
                    LOG.warn("Could not abort the S3 multipart upload of {}; discarding the image retries", key, e);
                }
            }
            if (buffer != null) {
                give(buffer);
                buffer = null;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
