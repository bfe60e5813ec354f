package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.S3ProxyServer;
import dev.loupe.testing.SourceServer;
import dev.loupe.testing.TaskRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A cluster as operators run it, under faults: three {@code loupe serve} processes (the packaged jar) on one
 * PostgreSQL and one S3 bucket (S3Proxy), one of them {@code --role api}, two {@code --role worker}. 300 imports of a
 * few sizes (one in eight large enough for a multipart upload) are created through the API node. Mid-run, one
 * worker is killed (SIGKILL) and restarted, and the other is paused (SIGSTOP) for 45 s, far longer than its leases,
 * then resumed; each while it runs a multipart import among others. In the end every task succeeded once: one active image per task and no other image row, each image
 * downloads byte for byte (whole and by range), the bucket holds exactly one object per image and no unfinished
 * multipart upload, and the resumed node stopped the copies it had lost and wrote nothing for them.
 */
@ExtendWith(S3ProxyServer.class)
class ClusterIT {

    private static final int TASKS = 300;
    private static final int MIB = 1 << 20;
    /** The image sizes, in turn: one in eight large enough for a multipart upload of two 5 MiB parts. */
    private static final int[] SIZES = {
        4096 + 1, 64 * 1024, 300 * 1024, MIB + 17, 5 * MIB + 4097, 64 * 1024 + 3, 300 * 1024 + 5, 4096 + 7
    };

    /** Each source answers in this many slices, a pause between two: every import takes about a second. */
    private static final int SLICES = 8;

    private static final Duration PAUSE = Duration.ofSeconds(45);
    private static final Duration LEASE = Duration.ofSeconds(4);
    private static final Duration START = Duration.ofSeconds(90);
    private static final String WORKER_READY = "Loupe worker running";
    private static final Map<String, String> ADMIN = Client.ADMIN_A;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Kept when the test fails: each node's stderr is in {@code NAME-logs/}. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final AtomicInteger createRetries = new AtomicInteger();

    @Test
    void threeNodesFinishEveryImportExactlyOnceThroughAKillAndAPauseLeavingNoOrphans() throws Exception {
        long began = System.nanoTime();
        String database = Postgres.freshDatabase();
        String bucket = S3ProxyServer.newBucket();
        try (SourceServer source = SourceServer.start()) {
            for (int i = 0; i < TASKS; i++) {
                byte[] bytes = image(i);
                source.script(path(i), (socket, out) -> {
                    SourceServer.head(out, "200 OK", "Content-Length: " + bytes.length);
                    int slice = (bytes.length + SLICES - 1) / SLICES;
                    for (int at = 0; at < bytes.length; at += slice) {
                        out.write(bytes, at, Math.min(slice, bytes.length - at));
                        out.flush();
                        Thread.sleep(120);
                    }
                });
            }
            List<String> options = new ArrayList<>(List.of(
                    "database.connection=" + database,
                    "import_filtering_opts.allowed_hosts=127.0.0.1",
                    "import_filtering_opts.allowed_ports=" + source.port(),
                    "taskflow_executor.max_workers=4",
                    "task.lease_duration=" + LEASE.toSeconds(),
                    "task.heartbeat_interval=1",
                    "task.poll_interval=0.5",
                    // a loaded machine may also miss a heartbeat now and then: a task may be taken over more than
                    // once (killed, paused, late), and must still succeed
                    "task.max_attempts=6"));
            options.addAll(List.of(S3ProxyServer.options(
                    bucket,
                    "glance_store.s3_store_large_object_size=5",
                    "glance_store.s3_store_large_object_chunk_size=5")));

            LoupeProcess api = node("api", "api", options);
            LoupeProcess first = node("worker-1", "worker", options);
            LoupeProcess second = node("worker-2", "worker", options);
            LoupeProcess restarted = null;
            try {
                System.out.println("ClusterIT: logs in " + dir);
                Client client = api.awaitReady(START);
                String apiUrl =
                        "http://" + api.awaitLine(LoupeProcess.READY, START).substring(LoupeProcess.READY.length());
                first.awaitLine(WORKER_READY, START);
                second.awaitLine(WORKER_READY, START);
                long ready = System.nanoTime();

                Map<String, Integer> taskIndex = create(client, source);
                TaskRows rows = new TaskRows(database);

                // SIGKILL the first worker while it runs imports, then start it again on the same data directory.
                Await.until(
                        Duration.ofSeconds(120),
                        () -> successes(rows) >= 40 && runsAMultipartImport(database, first, taskIndex),
                        "40 successes, with the first worker running a multipart import");
                long killedAt = System.nanoTime();
                first.kill();
                Set<String> killedHeld = heldBy(database, first);
                restarted = node("worker-1", "worker", options);
                restarted.awaitLine(WORKER_READY, START);
                long restartedAt = System.nanoTime();
                LoupeProcess restartedNode = restarted;

                // SIGSTOP the second worker while it runs imports, once the restarted one runs some too.
                Await.until(
                        Duration.ofSeconds(120),
                        () -> !heldBy(database, restartedNode).isEmpty()
                                && runsAMultipartImport(database, second, taskIndex),
                        "the restarted worker running imports, the other a multipart import");
                long pausedAt = System.nanoTime();
                signal("STOP", second);
                Set<String> pausedHeld = heldBy(database, second);
                int doneAtPause = successes(rows);
                try {
                    // The fault itself: a node frozen for longer than its leases, as a long GC or a stopped VM is.
                    Thread.sleep(PAUSE.toMillis());
                } finally {
                    signal("CONT", second);
                }
                long resumedAt = System.nanoTime();
                int doneAtResume = successes(rows);

                Map<String, Integer> counts = Await.until(
                        Duration.ofSeconds(180),
                        rows::statusCounts,
                        byStatus -> byStatus.getOrDefault("pending", 0) + byStatus.getOrDefault("processing", 0) == 0,
                        "every task to end");
                long endedAt = System.nanoTime();
                assertThat(counts).as("tasks by status").isEqualTo(Map.of("success", TASKS));

                // For every task it held that another node took over, the resumed node noticed and gave it up. (A
                // task whose expired lease no node re-claimed during the pause is still the resumed node's to finish.)
                Map<String, Ended> afterPause = ended(database);
                List<String> takenOver = pausedHeld.stream()
                        .filter(id -> afterPause.get(id).attempts() > 1)
                        .toList();
                Await.until(
                        Duration.ofSeconds(30),
                        () -> takenOver.stream().allMatch(id -> gaveUp(second, id)),
                        "the resumed node to give up each task it lost " + takenOver);
                // Its copies' leftovers (an object it put, an upload it began) go with its failed runs: wait for
                // the bucket to hold exactly the active images and no unfinished upload.
                ImageRows images = new ImageRows(database);
                Set<String> activeIds = new TreeSet<>();
                images.all().stream()
                        .filter(image -> image.status().equals("active"))
                        .forEach(image -> activeIds.add(image.id()));
                Await.until(
                        Duration.ofSeconds(60),
                        () -> new TreeSet<>(S3ProxyServer.keys(bucket)).equals(activeIds)
                                && S3ProxyServer.openUploads(bucket).isEmpty(),
                        "the bucket to hold exactly the active images, with no unfinished upload");

                // Every task ran to success once: one image row per task, active, the one its result names.
                List<ImageRows.Image> all = images.all();
                Map<String, List<ImageRows.Image>> byTask =
                        all.stream().collect(Collectors.groupingBy(ImageRows.Image::taskId));
                int duplicates = all.size() - byTask.size();
                assertThat(byTask.keySet()).isEqualTo(taskIndex.keySet());
                assertThat(duplicates).as("image rows beyond one per task").isZero();
                Map<String, Ended> ended = ended(database);
                assertThat(ended.keySet()).isEqualTo(taskIndex.keySet());
                int recoveries = 0;
                for (Map.Entry<String, Integer> task : taskIndex.entrySet()) {
                    String id = task.getKey();
                    Ended row = ended.get(id);
                    assertThat(row.status()).isEqualTo("success");
                    assertThat(row.leaseOwner()).isNull();
                    recoveries += row.attempts() - 1;
                    ImageRows.Image image = byTask.get(id).getFirst();
                    byte[] expected = image(task.getValue());
                    assertThat(image.status()).isEqualTo("active");
                    assertThat(image.deleted()).isFalse();
                    assertThat(image.size()).isEqualTo(expected.length);
                    assertThat(image.checksum()).isEqualTo(md5(expected));
                    assertThat(image.location())
                            .isEqualTo("s3://" + S3ProxyServer.host() + "/" + bucket + "/" + image.id());
                    assertThat(Client.json(client.get("/v2/tasks/" + id, ADMIN))
                                    .get("result")
                                    .get("image_id")
                                    .textValue())
                            .isEqualTo(image.id());
                }
                for (String id : killedHeld) {
                    assertThat(ended.get(id).attempts())
                            .as("task %s held by the killed node", id)
                            .isGreaterThan(1);
                }

                // The bucket: one object per image, of the image's size, and nothing else.
                Map<String, Long> objects = new TreeMap<>();
                S3ProxyServer.client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                        .forEach((S3Object o) -> objects.put(o.key(), o.size()));
                Map<String, Long> imageSizes = new TreeMap<>();
                all.forEach(image -> imageSizes.put(image.id(), image.size()));
                assertThat(objects).isEqualTo(imageSizes);
                int orphans = objects.size() - activeIds.size();
                int openUploads = S3ProxyServer.openUploads(bucket).size();
                assertThat(openUploads).isZero();

                // Each image downloads byte for byte through the API node, whole and by range.
                try (ExecutorService downloads = Executors.newFixedThreadPool(4)) {
                    List<Future<?>> checks = new ArrayList<>();
                    for (Map.Entry<String, Integer> task : taskIndex.entrySet()) {
                        String imageId = byTask.get(task.getKey()).getFirst().id();
                        int index = task.getValue();
                        checks.add(downloads.submit(() -> assertDownloads(apiUrl, imageId, image(index))));
                    }
                    for (Future<?> check : checks) {
                        check.get();
                    }
                }

                int refetches = 0;
                for (int i = 0; i < TASKS; i++) {
                    refetches += source.requests(path(i)) - 1;
                }
                long checkedAt = System.nanoTime();
                System.out.printf(
                        "ClusterIT: %d tasks on 3 nodes (1 api, 2 workers x 4), PostgreSQL + S3Proxy: %d success;"
                                + " kills 1 (held %d tasks), pauses 1 of %d s (held %d tasks, %d taken over; done %d -> %d during it);"
                                + " recoveries %d (tasks re-claimed), source re-fetches %d, create retries %d;"
                                + " duplicates %d, orphans %d,"
                                + " open uploads %d; wall %d s (start %d s, to the kill %d s, restart %d s,"
                                + " to the pause %d s, pause %d s, to the end %d s, checks %d s)%n",
                        TASKS,
                        counts.get("success"),
                        killedHeld.size(),
                        PAUSE.toSeconds(),
                        pausedHeld.size(),
                        takenOver.size(),
                        doneAtPause,
                        doneAtResume,
                        recoveries,
                        refetches,
                        createRetries.get(),
                        duplicates,
                        orphans,
                        openUploads,
                        seconds(checkedAt - began),
                        seconds(ready - began),
                        seconds(killedAt - ready),
                        seconds(restartedAt - killedAt),
                        seconds(pausedAt - restartedAt),
                        seconds(resumedAt - pausedAt),
                        seconds(endedAt - resumedAt),
                        seconds(checkedAt - endedAt));
            } finally {
                for (LoupeProcess process : Arrays.asList(api, first, second, restarted)) {
                    if (process != null) {
                        process.close();
                    }
                }
            }
        }
    }

    private static long seconds(long nanos) {
        return Math.round(nanos / 1e9);
    }

    private static String path(int i) {
        return "/image-" + i + ".raw";
    }

    /** The content of image {@code i}: its size in turn, random bytes of its own. */
    private static byte[] image(int i) {
        byte[] bytes = new byte[SIZES[i % SIZES.length]];
        new Random(i).nextBytes(bytes);
        return bytes;
    }

    /**
     * Creates the imports through the API node, several at once; answers each task's image index. Each create
     * carries an Idempotency-Key, as a careful client's does, so that one whose connection broke can be sent again
     * without making a second task; such retries are counted in {@link #createRetries} and reported.
     */
    private Map<String, Integer> create(Client client, SourceServer source) throws Exception {
        Map<String, Integer> index = new HashMap<>();
        try (ExecutorService creators = Executors.newFixedThreadPool(8)) {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                int image = i;
                created.add(creators.submit(() -> createOne(client, source, image)));
            }
            for (int i = 0; i < TASKS; i++) {
                index.put(created.get(i).get(), i);
            }
        }
        assertThat(index).hasSize(TASKS);
        return index;
    }

    private String createOne(Client client, SourceServer source, int image) {
        Map<String, String> headers = new HashMap<>(ADMIN);
        headers.put("Idempotency-Key", "cluster-it-" + image);
        String body = """
                {"type": "import", "input": {"import_from": "%s", "import_from_format": "raw",
                 "image_properties": {"disk_format": "raw", "container_format": "bare"}}}
                """.formatted(source.url(path(image)));
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> answer = client.post("/v2/tasks", headers, body);
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 201);
                return Client.json(answer).get("id").textValue();
            } catch (UncheckedIOException broken) {
                if (attempt == 3) {
                    throw broken;
                }
                createRetries.incrementAndGet();
                System.out.printf("ClusterIT: create %d sent again after: %s%n", image, broken.getCause());
            }
        }
    }

    private LoupeProcess node(String name, String role, List<String> options) {
        List<String> args = new ArrayList<>(List.of(
                "serve", "--role", role, "--data-dir", dir.resolve(name).toString(), "--set", "DEFAULT.bind_port=0"));
        for (String option : options) {
            args.add("--set");
            args.add(option);
        }
        return LoupeProcess.jar(dir.resolve(name + "-logs"), args.toArray(String[]::new));
    }

    private static int successes(TaskRows rows) {
        return rows.statusCounts().getOrDefault("success", 0);
    }

    /** The tasks the process holds a lease on (node names carry the process id: HOST-PID-RANDOM). */
    private static Set<String> heldBy(String database, LoupeProcess process) {
        try (Connection c = DriverManager.getConnection(database);
                PreparedStatement p =
                        c.prepareStatement("SELECT id FROM tasks WHERE status = 'processing' AND lease_owner LIKE ?")) {
            p.setString(1, "%-" + process.pid() + "-%");
            Set<String> ids = new HashSet<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the engine keeps of a task, as stored. */
    private record Ended(String status, int attempts, String leaseOwner) {}

    /** Every task's row, in one query. */
    private static Map<String, Ended> ended(String database) {
        try (Connection c = DriverManager.getConnection(database);
                PreparedStatement p = c.prepareStatement("SELECT id, status, attempts, lease_owner FROM tasks");
                ResultSet rs = p.executeQuery()) {
            Map<String, Ended> rows = new HashMap<>();
            while (rs.next()) {
                rows.put(rs.getString(1), new Ended(rs.getString(2), rs.getInt(3), rs.getString(4)));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the process holds a lease on an import of a multipart size. */
    private static boolean runsAMultipartImport(String database, LoupeProcess process, Map<String, Integer> index) {
        return heldBy(database, process).stream().anyMatch(id -> SIZES[index.get(id) % SIZES.length] > 5 * MIB);
    }

    /** Whether the node logged that it stopped the task, or dropped its outcome, because another node has it. */
    private static boolean gaveUp(LoupeProcess process, String taskId) {
        return process.stderr()
                .lines()
                .anyMatch(line -> line.contains(taskId)
                        && (line.contains("lost its lease") || line.contains("taken over by another worker")));
    }

    private static void signal(String signal, LoupeProcess process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        assertThat(kill.waitFor()).isZero();
    }

    private static void assertDownloads(String apiUrl, String imageId, byte[] expected) {
        HttpResponse<byte[]> whole = download(apiUrl, imageId);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).as("image %s", imageId).isEqualTo(expected);
        int from = expected.length / 3;
        HttpResponse<byte[]> range = download(apiUrl, imageId, "Range", "bytes=" + from + "-" + (from + 999));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(expected, from, from + 1000));
    }

    private static HttpResponse<byte[]> download(String apiUrl, String imageId, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl + "/v2/images/" + imageId + "/file"));
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

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
