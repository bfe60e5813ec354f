package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loupe.engine.Cancellation;
import dev.loupe.engine.Handlers;
import dev.loupe.engine.TaskFailure;
import dev.loupe.engine.TaskHandler;
import dev.loupe.engine.TaskRun;
import dev.loupe.image.Activation;
import dev.loupe.image.Image;
import dev.loupe.image.ImageImports;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageStatus;
import dev.loupe.image.ImportState;
import dev.loupe.image.StagingArea;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.Task;
import dev.loupe.task.TaskStatus;
import dev.loupe.task.TaskType;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code api_image_import} task of the interoperable import ({@code POST /v2/images/{id}/import}): the image it
 * holds goes {@code importing}, its data comes through the same {@link ImportPipeline} as the {@code import} task's
 * ({@code web-download}: the SSRF-safe fetch; {@code glance-direct}: the staged file), and the image goes
 * {@code active}, or back to {@code queued} when anything fails. The staged data is removed either way.
 *
 * <p>A task of this type made through {@code POST /v2/tasks} holds no image, and fails at once (contract C12).
 */
public final class ApiImportHandler implements TaskHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ApiImportHandler.class);

    static final String HAND_MADE = "api_image_import tasks are made by POST /v2/images/{image_id}/import (the"
            + " interoperable image import); one created through the Tasks API holds no image and cannot run.";

    /**
     * How long a partial staged file may stay untouched before its stage counts as cut off. A stage writes as the
     * body arrives, and the HTTP server's idle timeout ends a silent body far sooner; were one still alive, its end
     * would find its file gone and answer 400, the image queued.
     */
    static final Duration ABANDONED_STAGE = Duration.ofHours(1);

    private final ImageRepository images;
    private final ImportState state;
    private final StagingArea staging;
    private final ImageStore store;
    private final ImportPipeline pipeline;
    private final Clock clock;

    ApiImportHandler(
            ImageRepository images,
            ImportState state,
            StagingArea staging,
            ImageStore store,
            ImportPipeline pipeline,
            Clock clock) {
        this.images = images;
        this.state = state;
        this.staging = staging;
        this.store = store;
        this.pipeline = pipeline;
        this.clock = clock;
    }

    /**
     * The handlers of the two task types that bring data in, on one pipeline: {@code import} ({@link ImportHandler})
     * and {@code api_image_import} (this).
     */
    public static Handlers handlers(
            ImageRepository images,
            ImportState state,
            StagingArea staging,
            ImageStore store,
            Fetcher fetcher,
            HashAlgorithm hashAlgorithm,
            Conversion conversion,
            Clock clock,
            int sourceRetries) {
        ImportPipeline pipeline = new ImportPipeline(store, fetcher, hashAlgorithm, conversion, sourceRetries);
        return Handlers.none()
                .with(TaskType.IMPORT, new ImportHandler(images, store, conversion, clock, pipeline))
                .with(TaskType.API_IMAGE_IMPORT, new ApiImportHandler(images, state, staging, store, pipeline, clock));
    }

    /** What the task asked: the image and the method, and for {@code web-download} the URI. */
    private record Request(String imageId, String method, String uri) {

        static Optional<Request> of(Task task) {
            JsonNode input = task.input();
            if (input == null || !input.path("image_id").isTextual()) {
                return Optional.empty();
            }
            JsonNode method = input.path("import_req").path("method");
            return Optional.of(new Request(
                    input.get("image_id").textValue(),
                    method.path("name").asText(""),
                    method.path("uri").isTextual() ? method.get("uri").textValue() : null));
        }

        boolean webDownload() {
            return method.equals(ImageImports.WEB_DOWNLOAD);
        }
    }

    @Override
    public Map<String, String> logContext(Task task) {
        return Request.of(task)
                .filter(r -> r.uri() != null)
                .map(r -> java.net.URI.create(r.uri()).getHost())
                .map(host -> Map.of("source_host", host))
                .orElse(Map.of());
    }

    @Override
    public JsonNode run(TaskRun run) throws Exception {
        Task task = run.task();
        Request request = Request.of(task).orElseThrow(() -> new TaskFailure(HAND_MADE));
        Image image = images.find(request.imageId())
                .filter(i -> !i.deleted())
                .orElseThrow(() -> new TaskFailure(
                        state.holder(request.imageId()).isEmpty()
                                ? HAND_MADE
                                : "Image " + request.imageId() + " was deleted before its import ran"));
        if (!state.holder(image.id()).filter(task.id()::equals).isPresent()) {
            throw new TaskFailure(HAND_MADE);
        }
        ImageStatus from = request.webDownload() ? ImageStatus.QUEUED : ImageStatus.UPLOADING;
        if (image.status() != ImageStatus.IMPORTING && !state.start(image.id(), from, task.id(), now())) {
            // Its data came another way meanwhile (PUT /file), or it was deleted: the lock goes, the image stays.
            state.unlock(image.id(), task.id());
            throw new TaskFailure("Image " + image.id() + " changed before its import ran (it is "
                    + images.find(image.id()).map(i -> i.status().wire()).orElse("gone") + ")");
        }
        // A run that starts again (its node died) starts from the first byte.
        store.discard(image.id());
        try {
            Image.StoredData stored;
            if (request.webDownload()) {
                stored = pipeline.fetch(image, request.uri(), false, null, run, () -> {});
            } else {
                InputStream data;
                long length;
                try {
                    data = staging.open(image.id());
                    length = staging.size(image.id());
                } catch (IOException e) {
                    throw new TaskFailure("The staged data of image " + image.id() + " is gone: " + e.getMessage(), e);
                }
                try (InputStream in = data) {
                    stored = pipeline.storeLocal(image, in, length, run);
                }
            }
            Image active = image.activate(stored, now());
            if (!images.activate(active, new Activation.InteroperableImport(task.id(), run.leaseOwner()))) {
                discard(image.id());
                throw new TaskFailure("Image " + image.id() + " was deleted while it was being imported");
            }
            removeStaged(image.id());
            // Upstream's message once the data is in: the MiB copied, rounded down.
            run.succeedWith("Copied " + active.size() / (1 << 20) + " MiB");
            LOG.info(
                    "Task {}: image {} is active ({} bytes, {})",
                    task.id(),
                    image.id(),
                    active.size(),
                    active.diskFormat());
            return JsonNodeFactory.instance.objectNode().put("image_id", image.id());
        } catch (Exception | Error e) {
            Cancellation cancellation = run.cancellation();
            if (cancellation != null && cancellation.kind() != Cancellation.Kind.REQUESTED
                    || e instanceof InterruptedException) {
                // Another run goes on with the image (this node lost the task, or is stopping): it stays held.
                throw e;
            }
            try {
                release(image.id(), task.id());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The import failed for good: no data stored, nothing staged, the image {@code queued} and free again. */
    private void release(String imageId, String taskId) {
        discard(imageId);
        removeStaged(imageId);
        state.release(imageId, taskId, now());
    }

    private void discard(String imageId) {
        try {
            store.discard(imageId);
        } catch (StoreFailure | RuntimeException e) {
            LOG.warn("Could not remove the data of image {} from the store; remove it by hand", imageId, e);
        }
    }

    private void removeStaged(String imageId) {
        try {
            staging.remove(imageId);
        } catch (IOException e) {
            LOG.warn("Could not remove the staged data of image {}; remove it by hand", imageId, e);
        }
    }

    @Override
    public boolean safeToRetry() {
        return true;
    }

    /**
     * A run was cut off: for a task that runs again, what it stored goes (the next run starts over; the staged data
     * stays for it); for one that ended, the image is released as after a failure.
     */
    @Override
    public void abandon(Task task) {
        Optional<Request> request = Request.of(task);
        if (request.isEmpty()
                || !state.holder(request.get().imageId())
                        .filter(task.id()::equals)
                        .isPresent()) {
            return;
        }
        String imageId = request.get().imageId();
        boolean runsAgain = task.status() == TaskStatus.PROCESSING && task.cancelRequest() == null;
        if (runsAgain) {
            discard(imageId);
        } else {
            release(imageId, task.id());
            LOG.info("Task {}: image {} is queued again after an interrupted import", task.id(), imageId);
        }
    }

    /**
     * Removes staged data no import will read: its image was deleted while staged, or got its data another way. An
     * image that is {@code uploading} or {@code importing} keeps it. A stage a stopped process cut off leaves a
     * partial file and its image {@code uploading}: the file goes and the image is {@code queued} again, free to be
     * staged anew.
     */
    @Override
    public void sweep() throws IOException {
        for (String imageId : staging.abandoned(now().minus(ABANDONED_STAGE))) {
            staging.removePartial(imageId);
            if (!staging.holds(imageId) && images.move(imageId, ImageStatus.UPLOADING, ImageStatus.QUEUED, now())) {
                LOG.info("Image {}: its staging was cut off; queued again", imageId);
            }
        }
        for (String imageId : staging.staged()) {
            boolean wanted = images.find(imageId)
                    .filter(image -> !image.deleted())
                    .filter(image -> image.status() == ImageStatus.UPLOADING || image.status() == ImageStatus.IMPORTING)
                    .isPresent();
            if (!wanted) {
                staging.remove(imageId);
                LOG.info("Removed the staged data of image {}, which no import will read", imageId);
            }
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
