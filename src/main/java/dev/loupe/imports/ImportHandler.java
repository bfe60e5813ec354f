package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loupe.engine.Cancellation;
import dev.loupe.engine.TaskFailure;
import dev.loupe.engine.TaskHandler;
import dev.loupe.engine.TaskRun;
import dev.loupe.image.Activation;
import dev.loupe.image.Image;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageStatus;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.imports.fetch.ResumableSource;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.Task;
import dev.loupe.task.TaskStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code import} task (docs/compatibility.md, "Imports" and "Progress while an import runs"): creates
 * the image, streams the source once through the checksums and the format inspector into the store, and publishes
 * the image when the content is what it claims and safe. Whatever fails, the image row and every byte written are
 * removed, and the task's message says what happened.
 *
 * <p>Loupe's own (docs/extensions.md): the digests of {@code validation_data} are verified in the same pass; a
 * broken connection is resumed where it broke ({@link ResumableSource}); and a run cut off (its node killed or
 * stopping) leaves its image and its partial data when the store can continue them, for the next run to resume
 * from what is stored instead of from the first byte.
 */
public final class ImportHandler implements TaskHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ImportHandler.class);
    private static final List<String> REQUIRED = List.of("import_from", "import_from_format", "image_properties");

    private final ImageRepository images;
    private final ImageStore store;
    private final Conversion conversion;
    private final Clock clock;
    private final ImportPipeline pipeline;

    public ImportHandler(
            ImageRepository images,
            ImageStore store,
            Fetcher fetcher,
            HashAlgorithm hashAlgorithm,
            Conversion conversion,
            Clock clock) {
        this(images, store, fetcher, hashAlgorithm, conversion, clock, 3);
    }

    /** @param sourceRetries tries in a row at a broken source before the import fails ({@code [task] source_retries}) */
    public ImportHandler(
            ImageRepository images,
            ImageStore store,
            Fetcher fetcher,
            HashAlgorithm hashAlgorithm,
            Conversion conversion,
            Clock clock,
            int sourceRetries) {
        this(
                images,
                store,
                conversion,
                clock,
                new ImportPipeline(store, fetcher, hashAlgorithm, conversion, sourceRetries));
    }

    /** An import task that shares {@code pipeline} with the interoperable import ({@link ApiImportHandler}). */
    ImportHandler(
            ImageRepository images, ImageStore store, Conversion conversion, Clock clock, ImportPipeline pipeline) {
        this.images = images;
        this.store = store;
        this.conversion = conversion;
        this.clock = clock;
        this.pipeline = pipeline;
    }

    /** An import's log lines name the host it fetches from. */
    @Override
    public Map<String, String> logContext(Task task) {
        JsonNode from = task.input() == null ? null : task.input().get("import_from");
        String host = from == null || !from.isTextual()
                ? null
                : java.net.URI.create(from.textValue()).getHost();
        return host == null ? Map.of() : Map.of("source_host", host);
    }

    @Override
    public JsonNode run(TaskRun run) throws Exception {
        Task task = run.task();
        JsonNode input = task.input();
        for (String key : REQUIRED) {
            if (input == null || !input.has(key)) {
                throw new TaskFailure("Input does not contain '" + key + "' field");
            }
        }
        ImageRequest request = ImageRequest.from(input.get("image_properties"));
        Verification verification;
        try {
            verification = Verification.of(input).orElse(null);
        } catch (Verification.Refused e) {
            throw new TaskFailure(e.getMessage());
        }
        List<Image> earlier = images.createdBy(task.id());
        for (Image image : earlier) {
            if (image.status() == ImageStatus.ACTIVE) {
                // An earlier run finished the image but stopped before the task was marked done.
                return result(image);
            }
        }
        Image resumed = null;
        for (Image image : earlier) {
            if (resumed == null
                    && image.status() == ImageStatus.SAVING
                    && store.unfinished(image.id()).isPresent()) {
                resumed = image;
            } else {
                erase(image);
            }
        }
        Image image = resumed;
        if (image == null) {
            image = request.queued(UUID.randomUUID().toString(), task.owner(), task.id(), now());
            images.insert(image);
        }
        try {
            Image active =
                    importData(image, resumed != null, input.get("import_from").asText(), verification, run);
            LOG.info(
                    "Task {}: image {} is active ({} bytes, {})",
                    task.id(),
                    active.id(),
                    active.size(),
                    active.diskFormat());
            return result(active);
        } catch (Exception | Error e) {
            try {
                if (!handedOver(run, image)) {
                    erase(image);
                }
            } catch (RuntimeException | StoreFailure cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Whether the run stopped for another to go on with the image: the task was taken over and the store continues
     * uploads (the new owner may be continuing this very image; what it does not continue, the sweep removes once
     * the task ends), or the server is stopping and left data the next run can continue. A store that cannot
     * continue an upload (S3) gets its data removed by the writer: the new owner starts a new image.
     */
    private boolean handedOver(TaskRun run, Image image) throws StoreFailure {
        Cancellation cancellation = run.cancellation();
        if (cancellation == null) {
            return false;
        }
        return switch (cancellation.kind()) {
            case LEASE_LOST -> store.continuesUploads();
            case STOPPING -> store.unfinished(image.id()).isPresent();
            case REQUESTED -> false;
        };
    }

    private static JsonNode result(Image image) {
        return JsonNodeFactory.instance.objectNode().put("image_id", image.id());
    }

    private Image importData(Image queued, boolean resumed, String importFrom, Verification verification, TaskRun run)
            throws TaskFailure, InterruptedException, StoreFailure {
        Runnable opened =
                resumed ? () -> {} : () -> images.move(queued.id(), ImageStatus.QUEUED, ImageStatus.SAVING, now());
        Image.StoredData stored = pipeline.fetch(queued, importFrom, resumed, verification, run, opened);
        Image active = queued.activate(stored, now());
        // Only while this node still holds the task: one that lost it (paused, then taken over) activates
        // nothing, and the node that runs it now makes the one image.
        if (!images.activate(active, new Activation.ImportRun(run.leaseOwner()))) {
            throw new TaskFailure("Image " + queued.id() + " was deleted while it was being imported");
        }
        return active;
    }

    @Override
    public boolean safeToRetry() {
        return true;
    }

    /**
     * An import cut off mid-way left an image being saved, and maybe part of its data in the store or a conversion's
     * scratch copy: all of it goes, except, for a task that runs again, data the store can continue (see
     * {@link ImageStore#unfinished}).
     */
    @Override
    public void abandon(Task task) throws StoreFailure {
        // A task that runs again keeps one image whose data the store can continue: the next run resumes it.
        boolean runsAgain = task.status() == TaskStatus.PROCESSING && task.cancelRequest() == null;
        boolean kept = false;
        for (Image image : images.createdBy(task.id())) {
            if (runsAgain
                    && !kept
                    && image.status() == ImageStatus.SAVING
                    && store.unfinished(image.id()).isPresent()) {
                kept = true;
                LOG.info("Task {}: kept image {} and its unfinished data for the next run", task.id(), image.id());
                continue;
            }
            if (image.status() != ImageStatus.ACTIVE) {
                erase(image);
                LOG.info(
                        "Task {}: removed image {} left {} by an interrupted run",
                        task.id(),
                        image.id(),
                        image.status().wire());
            }
        }
    }

    @Override
    public void sweep() {
        for (Image image : images.stranded()) {
            erase(image);
            LOG.info(
                    "Removed image {} left {} by ended task {}",
                    image.id(),
                    image.status().wire(),
                    image.taskId());
        }
    }

    /**
     * Removes the image's data and its row. The row goes even when the store cannot remove the data (the store
     * may be what failed): an image that would never become active must not stay listed. The log names what is
     * left in the store.
     */
    private void erase(Image image) {
        try {
            conversion.discard(image.id());
            store.discard(image.id());
        } catch (StoreFailure | RuntimeException e) {
            LOG.warn("Could not remove the data of image {} from the store; remove it by hand", image.id(), e);
        }
        images.erase(image.id());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
