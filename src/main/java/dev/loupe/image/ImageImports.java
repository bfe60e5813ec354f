package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.failure.LoupeException.Conflict;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.failure.LoupeException.TooLarge;
import dev.loupe.policy.Caller;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskService;
import dev.loupe.task.TaskType;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Glance's interoperable image import for one store ({@code docs/upstream/glance-25.1-images-write.md} §7): the
 * methods offered ({@code GET /v2/info/import}), staging ({@code PUT /v2/images/{id}/stage}) and the import request
 * ({@code POST /v2/images/{id}/import}), which takes the image's lock and queues an {@code api_image_import} task for
 * the engine. What the task does is the import capability's ({@code imports.ApiImportHandler}).
 */
public final class ImageImports {

    private static final Logger LOG = LoggerFactory.getLogger(ImageImports.class);

    public static final String GLANCE_DIRECT = "glance-direct";
    public static final String WEB_DOWNLOAD = "web-download";

    private final ImageService images;
    private final ImageRepository rows;
    private final ImportState state;
    private final TaskService tasks;
    private final TaskRepository taskRows;
    private final StagingArea staging;
    private final List<String> methods;
    private final Function<String, Optional<String>> uriRefusal;
    private final long sizeCap;
    private final Clock clock;

    /**
     * @param methods    {@code [DEFAULT] enabled_import_methods}
     * @param uriRefusal why a {@code web-download} URI may not be fetched ({@code [import_filtering_opts]}); empty
     *                   when it may
     * @param sizeCap    {@code [DEFAULT] image_size_cap}, for staged data
     */
    public ImageImports(
            ImageService images,
            ImageRepository rows,
            ImportState state,
            TaskService tasks,
            TaskRepository taskRows,
            StagingArea staging,
            List<String> methods,
            Function<String, Optional<String>> uriRefusal,
            long sizeCap,
            Clock clock) {
        this.images = images;
        this.rows = rows;
        this.state = state;
        this.tasks = tasks;
        this.taskRows = taskRows;
        this.staging = staging;
        this.methods = List.copyOf(methods);
        this.uriRefusal = uriRefusal;
        this.sizeCap = sizeCap;
        this.clock = clock;
    }

    /** The import methods offered, in the order configured. */
    public List<String> methods() {
        return methods;
    }

    /**
     * {@code PUT /v2/images/{id}/stage}: the data streamed to the staging area; the image goes {@code uploading}
     * with the staged size. Whatever fails, nothing stays staged and the image is {@code queued} again.
     *
     * @param announced the request's Content-Length, or -1
     */
    public void stage(Caller who, String id, InputStream data, long announced) {
        String notFound = "No image found with ID " + id;
        if (!methods.contains(GLANCE_DIRECT)) {
            throw new NotFound("'glance-direct' method is not available at this site.");
        }
        Image image =
                images.live(id).filter(i -> ImageService.visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        images.requireMutable(who, image, "modify_image", notFound);
        if (image.status() != ImageStatus.QUEUED) {
            throw toUploading(image.status());
        }
        if (announced > sizeCap) {
            throw new TooLarge(
                    "The incoming image is too large: it is larger than the image_size_cap of " + sizeCap + " bytes.");
        }
        if (!rows.move(id, ImageStatus.QUEUED, ImageStatus.UPLOADING, now())) {
            throw toUploading(
                    images.live(id).orElseThrow(() -> new NotFound(notFound)).status());
        }
        long size;
        try {
            size = staging.stage(image.id(), data, sizeCap);
        } catch (IOException e) {
            unstage(id);
            throw new InvalidInput("The image data could not be read to its end: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            unstage(id);
            throw e;
        }
        if (!state.staged(id, size, now())) {
            // Deleted meanwhile: its staged data goes with it.
            removeStaged(id);
            throw new NotFound("Image " + id + " could not be found after upload. The image may have been deleted"
                    + " during the upload.");
        }
        LOG.info("Image {}: {} bytes staged", id, size);
    }

    private void unstage(String id) {
        removeStaged(id);
        rows.move(id, ImageStatus.UPLOADING, ImageStatus.QUEUED, now());
    }

    private void removeStaged(String id) {
        try {
            staging.remove(id);
        } catch (IOException e) {
            LOG.warn("Could not remove the staged data of image {}; remove it by hand", id, e);
        }
    }

    private static Conflict toUploading(ImageStatus from) {
        return new Conflict("Image status transition from " + from.wire() + " to uploading is not allowed");
    }

    /**
     * {@code POST /v2/images/{id}/import}: the body checked as upstream's deserializer does, then the image (its
     * status, formats, {@code modify_image} and ownership, its lock), then the {@code api_image_import} task made,
     * named in the image's {@code os_glance_import_task}, and queued.
     */
    public Task importImage(Caller who, String id, JsonNode body) {
        if (!body.isObject()) {
            throw new InvalidInput("Import request must be a JSON object with a 'method'.");
        }
        JsonNode method = body.get("method");
        if (method == null) {
            throw new InvalidInput("Import request requires a 'method' field.");
        }
        if (!method.isObject()) {
            // Upstream answers 500 (a TypeError); the caller's mistake is a 400.
            throw new InvalidInput("Import request 'method' must be an object with a 'name' field.");
        }
        JsonNode name = method.get("name");
        if (name == null) {
            throw new InvalidInput("Import request requires a 'name' field.");
        }
        String methodName = name.isTextual() ? name.textValue() : name.toString();
        if (!methods.contains(methodName)) {
            throw new InvalidInput("Unknown import method name '" + methodName + "'.");
        }
        JsonNode uri = method.get("uri");
        String uriText = uri == null || uri.isNull() ? "None" : uri.isTextual() ? uri.textValue() : uri.toString();
        if (methodName.equals(WEB_DOWNLOAD)) {
            if (uri == null || !uri.isTextual() || uri.textValue().isEmpty()) {
                throw new InvalidInput("URI for web-download does not pass filtering: " + uriText);
            }
            Optional<String> refusal = uriRefusal.apply(uri.textValue());
            if (refusal.isPresent()) {
                LOG.info("web-download of {} refused: {}", uri.textValue(), refusal.get());
                throw new InvalidInput("URI for web-download does not pass filtering: " + uriText);
            }
        }
        if (body.has("all_stores_must_succeed") && falsy(body.get("all_stores_must_succeed"))) {
            throw new InvalidInput("All_stores_must_succeed can only be set with enabled_backends " + uriText);
        }
        String notFound = "No image found with ID " + id;
        Image image =
                images.live(id).filter(i -> ImageService.visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        ImageStatus expected = methodName.equals(WEB_DOWNLOAD) ? ImageStatus.QUEUED : ImageStatus.UPLOADING;
        refuseStatus(image, methodName);
        images.requireMutable(who, image, "modify_image", notFound);
        if (who.projectId() == null) {
            throw new Forbidden("A task belongs to a project: the request's identity carries no project"
                    + " (X-Project-Id or X-Tenant-Id).");
        }
        String stolenFrom = null;
        Optional<String> holder = state.holder(id);
        if (holder.isPresent()) {
            Optional<Task> holding = taskRows.find(holder.get());
            if (holding.isPresent() && !holding.get().status().isTerminal()) {
                throw new Conflict("Image has active task");
            }
            // The task that held the image ended without letting go (its node died mid-cleanup): upstream steals it.
            LOG.info("Image {}: taking the import lock from ended task {}", id, holder.get());
            stolenFrom = holder.get();
        }
        ObjectNode input = JsonNodeFactory.instance.objectNode();
        input.put("image_id", image.id());
        input.set("import_req", body);
        input.putArray("backend").addNull();
        Instant now = now();
        Task task = Task.create(
                UUID.randomUUID().toString(),
                TaskType.API_IMAGE_IMPORT,
                who.projectId(),
                input,
                image.id(),
                who.requestId(),
                who.userId(),
                now);
        if (!state.lock(id, expected, task.id(), stolenFrom, now)) {
            Image current = images.live(id).orElseThrow(() -> new NotFound(notFound));
            if (current.status() != expected) {
                refuseStatus(current, methodName);
            }
            throw new Conflict("Image has active task");
        }
        try {
            tasks.submit(task);
        } catch (RuntimeException | Error e) {
            state.unlock(id, task.id());
            throw e;
        }
        LOG.info("Image {}: {} import queued as task {}", id, methodName, task.id());
        return task;
    }

    /** Upstream's checks of the image's state, in its order. */
    private static void refuseStatus(Image image, String method) {
        if (image.status() == ImageStatus.ACTIVE) {
            throw new Conflict("Image with status active cannot be target for import");
        }
        if (method.equals(WEB_DOWNLOAD) && image.status() != ImageStatus.QUEUED) {
            throw new Conflict("Image needs to be in 'queued' state to use 'web-download' method");
        }
        if (method.equals(GLANCE_DIRECT) && image.status() != ImageStatus.UPLOADING) {
            throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
        }
        if (image.containerFormat() == null || image.containerFormat().isEmpty()) {
            throw new Conflict("'container_format' needs to be set before import");
        }
        if (image.diskFormat() == null || image.diskFormat().isEmpty()) {
            throw new Conflict("'disk_format' needs to be set before import");
        }
    }

    /** Python's truth of a JSON value: false, null, 0, "", [] and {} are false. */
    private static boolean falsy(JsonNode value) {
        return value.isNull()
                || value.isBoolean() && !value.booleanValue()
                || value.isNumber() && value.doubleValue() == 0
                || (value.isTextual() || value.isContainerNode()) && value.isEmpty()
                || value.isTextual() && value.textValue().isEmpty();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
