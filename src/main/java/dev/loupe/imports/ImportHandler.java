package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loupe.engine.TaskFailure;
import dev.loupe.engine.TaskHandler;
import dev.loupe.engine.TaskRun;
import dev.loupe.image.Image;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageStatus;
import dev.loupe.imports.fetch.FetchFailure;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.imports.fetch.Source;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.Task;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code import} task (spec §8; docs/compatibility.md, "Imports" and "Progress while an import runs"): creates
 * the image, streams the source once through the checksums and the format inspector into the store, and publishes
 * the image when the content is what it claims and safe. Whatever fails, the image row and every byte written are
 * removed, and the task's message says what happened.
 */
public final class ImportHandler implements TaskHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ImportHandler.class);
    private static final List<String> REQUIRED = List.of("import_from", "import_from_format", "image_properties");

    private final ImageRepository images;
    private final ImageStore store;
    private final Fetcher fetcher;
    private final HashAlgorithm hashAlgorithm;
    private final Conversion conversion;
    private final Clock clock;

    public ImportHandler(
            ImageRepository images,
            ImageStore store,
            Fetcher fetcher,
            HashAlgorithm hashAlgorithm,
            Conversion conversion,
            Clock clock) {
        this.images = images;
        this.store = store;
        this.fetcher = fetcher;
        this.hashAlgorithm = hashAlgorithm;
        this.conversion = conversion;
        this.clock = clock;
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
        for (Image earlier : images.createdBy(task.id())) {
            if (earlier.status() == ImageStatus.ACTIVE) {
                // An earlier run finished the image but stopped before the task was marked done.
                return result(earlier);
            }
        }
        Image queued = request.queued(UUID.randomUUID().toString(), task.owner(), task.id(), now());
        images.insert(queued);
        try {
            Image active = importData(queued, input.get("import_from").asText(), run);
            LOG.info(
                    "Task {}: image {} is active ({} bytes, {})",
                    task.id(),
                    active.id(),
                    active.size(),
                    active.diskFormat());
            return result(active);
        } catch (Exception | Error e) {
            try {
                erase(queued);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static JsonNode result(Image image) {
        return JsonNodeFactory.instance.objectNode().put("image_id", image.id());
    }

    private Image importData(Image queued, String importFrom, TaskRun run) throws TaskFailure, InterruptedException {
        Transfer transfer = new Transfer(hashAlgorithm, run::progress);
        try (Source source = fetcher.open(importFrom)) {
            // A cancelled run, or a node that lost the task, stops copying at once: aborting the source ends the read.
            run.onCancel(source::abort);
            images.move(queued.id(), ImageStatus.QUEUED, ImageStatus.SAVING, now());
            Image.StoredData stored = conversion.wanted(queued.diskFormat())
                    ? conversion.convertAndStore(queued, source, transfer, store, run)
                    : storeAsIs(queued, source, transfer);
            Image active = queued.activate(stored, now());
            // Only while this node still holds the task: one that lost it (paused, then taken over) activates
            // nothing, and the node that runs it now makes the one image.
            if (!images.activate(active, run.leaseOwner())) {
                throw new TaskFailure("Image " + queued.id() + " was deleted while it was being imported");
            }
            return active;
        } catch (FetchFailure e) {
            throw new TaskFailure(e.getMessage(), e);
        } catch (StoreFailure e) {
            // The store's trouble is the operator's to fix: the log keeps what the message leaves out (paths).
            LOG.warn("Task {}: the image store failed: {}", run.task().id(), e.getMessage(), e);
            throw new TaskFailure(e.getMessage(), e);
        } catch (IOException e) {
            // The source's body names what broke (SourceReadFailure); anything else is a local read error.
            throw new TaskFailure(e.getMessage() == null ? "Reading the source failed" : e.getMessage(), e);
        }
    }

    private Image.StoredData storeAsIs(Image queued, Source source, Transfer transfer)
            throws IOException, StoreFailure, TaskFailure, InterruptedException {
        try (ImageStore.Upload upload = store.begin(queued.id())) {
            Transfer.Copied copied = transfer.copy(source.body(), source.contentLength(), upload);
            refuseUnsafe(copied, queued.diskFormat());
            String location = upload.publish();
            return new Image.StoredData(
                    location,
                    copied.size(),
                    virtualSize(copied),
                    copied.checksum(),
                    hashAlgorithm.name(),
                    copied.hashValue(),
                    queued.diskFormat());
        }
    }

    static void refuseUnsafe(Transfer.Copied copied, String diskFormat) throws TaskFailure {
        List<String> refusals = copied.inspection().refusalsFor(diskFormat);
        if (!refusals.isEmpty()) {
            throw new TaskFailure(String.join("; ", refusals));
        }
    }

    static Long virtualSize(Transfer.Copied copied) {
        long virtualSize = copied.inspection().virtualSize();
        return virtualSize < 0 ? null : virtualSize;
    }

    @Override
    public boolean safeToRetry() {
        return true;
    }

    /**
     * An import cut off mid-way left an image being saved, and maybe part of its data in the store or a conversion's
     * scratch copy: all of it goes.
     */
    @Override
    public void abandon(Task task) {
        for (Image image : images.createdBy(task.id())) {
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
