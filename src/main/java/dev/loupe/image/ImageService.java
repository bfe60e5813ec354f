package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.compat.ListSettings;
import dev.loupe.failure.LoupeException.Conflict;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.failure.LoupeException.TooLarge;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.image.ImageFilter.AnyOf;
import dev.loupe.image.ImageFilter.Compare;
import dev.loupe.image.ImageFilter.In;
import dev.loupe.image.ImageFilter.Op;
import dev.loupe.policy.Caller;
import dev.loupe.policy.Policy;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.Task;
import dev.loupe.task.TaskRepository;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Glance's Images API v2 for one store: who sees which image (upstream's {@code is_image_visible} and its list
 * query), create, JSON-patch update, tags, deactivate/reactivate, upload and delete, with the policy rules
 * {@code get_images}, {@code get_image}, {@code download_image}, {@code add_image}, {@code modify_image},
 * {@code publicize_image}, {@code communitize_image}, {@code upload_image}, {@code deactivate}, {@code reactivate}
 * and {@code delete_image} (Glance 25.1's defaults let everyone pass but {@code publicize_image}, which is for
 * admins; a policy file may tighten them), and the admin-or-owner rule upstream applies to every change.
 */
public final class ImageService {

    private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);

    /** Glance's images.id column; a longer id names no image. */
    private static final int MAX_ID_LENGTH = 36;

    private static final String NOT_FOUND = "The resource could not be found.";

    /** webob's explanations, which upstream's answers carry before the detail it passes positionally. */
    private static final String DENIED = "Access was denied to this resource.\n\n ";

    private static final String CONFLICT = "There was a conflict when trying to complete your request.\n\n ";

    /** The attributes a caller may set, by create or PATCH; every other name is an extra property. */
    private static final Set<String> SETTABLE = Set.of(
            "name",
            "visibility",
            "protected",
            "os_hidden",
            "owner",
            "disk_format",
            "container_format",
            "min_ram",
            "min_disk",
            "tags");

    /** Refused on create before the schema is looked at (upstream's deserializer _disallowed_properties). */
    private static final List<String> DISALLOWED = List.of("direct_url", "self", "file", "schema", "stores");

    /** Refused on create after the policy (upstream's ImageFactory read-only attributes). */
    private static final List<String> READ_ONLY_ON_CREATE =
            List.of("created_at", "updated_at", "status", "checksum", "size", "virtual_size");

    /** Silently dropped on create, as upstream drops them. */
    private static final Set<String> DROPPED_ON_CREATE = Set.of("os_hash_algo", "os_hash_value");

    /** Refused in a PATCH (upstream's RequestDeserializer _readonly_properties). */
    private static final Set<String> READ_ONLY_ON_PATCH = Set.of(
            "created_at",
            "updated_at",
            "status",
            "checksum",
            "os_hash_algo",
            "os_hash_value",
            "size",
            "virtual_size",
            "direct_url",
            "self",
            "file",
            "schema",
            "id",
            "stores");

    /** Extra property names upstream keeps for itself. */
    private static final Set<String> RESERVED = Set.of("location", "deleted", "deleted_at");

    private static final String RESERVED_NAMESPACE = "os_glance";

    private final ImageRepository images;
    private final TaskRepository tasks;
    private final ImageStore store;
    private final Policy policy;
    private final Clock clock;
    private final ListSettings lists;
    private final ImageSchema schema;
    private final DataIntake intake;

    public ImageService(
            ImageRepository images,
            TaskRepository tasks,
            ImageStore store,
            Policy policy,
            Clock clock,
            ListSettings lists,
            ImageSchema schema,
            DataIntake intake) {
        this.images = images;
        this.tasks = tasks;
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.lists = lists;
        this.schema = schema;
        this.intake = intake;
    }

    /**
     * A page of the images the caller may see, for the query string's pairs in order. Admins see every image, others public and community images, their
     * project's own, and nothing else (Loupe has no image members); without a {@code visibility} parameter,
     * community images appear only to their owner.
     */
    public ImagePage list(Caller who, List<Map.Entry<String, String>> params) {
        // Upstream parses the parameters (400) before it asks the policy (403).
        ImageListRequest request = ImageListRequest.parse(params);
        policy.enforce("get_images", who);
        int limit = lists.pageSize(request.limit());
        List<ImageFilter> filters = new ArrayList<>(request.filters());
        filters.addAll(scope(who, request.visibility()));
        Image marker = request.marker() == null ? null : marker(who, request.marker());
        List<Image> rows = limit == 0 ? List.of() : images.page(filters, request.order(), marker, limit);
        // Upstream drops what get_image refuses, and still pages on what the database returned.
        List<Image> shown =
                rows.stream().filter(image -> allows(who, "get_image", image)).toList();
        String next = !shown.isEmpty() && rows.size() == limit ? shown.getLast().id() : null;
        return new ImagePage(shown, next);
    }

    /** Upstream's list query: what a non-admin may see at all, then the community rule. */
    private static List<ImageFilter> scope(Caller who, String visibility) {
        List<ImageFilter> scope = new ArrayList<>();
        String project = who.projectId();
        if (!who.admin()) {
            In everyones = new In(ImageField.VISIBILITY, List.of("public", "community"));
            scope.add(
                    project == null
                            ? everyones
                            : new AnyOf(List.of(everyones, ImageFilter.eq(ImageField.OWNER, project))));
        }
        if (visibility != null) {
            if (!visibility.equals("all")) {
                scope.add(ImageFilter.eq(ImageField.VISIBILITY, visibility));
            }
        } else {
            Compare notCommunity = new Compare(ImageField.VISIBILITY, Op.NE, "community");
            scope.add(
                    project == null
                            ? notCommunity
                            : new AnyOf(List.of(ImageFilter.eq(ImageField.OWNER, project), notCommunity)));
        }
        return scope;
    }

    /** The marker image: admins may page after a deleted one; an unknown one is 400, an invisible one 403. */
    private Image marker(Caller who, String id) {
        Optional<Image> found = id.length() > MAX_ID_LENGTH ? Optional.empty() : images.find(id);
        Image marker = found.filter(image -> who.admin() || !image.deleted())
                .orElseThrow(() -> new InvalidInput("No image found with ID " + id));
        if (!visible(who, marker)) {
            throw new Forbidden("Forbidding request, image " + id + " not visible");
        }
        return marker;
    }

    /** {@code GET /v2/images/{id}}: a live image the caller may see. */
    public Image show(Caller who, String id) {
        Image image =
                live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound("No image found with ID " + id));
        if (!allows(who, "get_image", image)) {
            throw new NotFound(NOT_FOUND);
        }
        return image;
    }

    /**
     * The tasks associated with the image through their {@code image_id}, unexpired, each visible to the caller
     * (admins: all, deleted ones too; others: their project's and those with no owner). 404 when the image is not
     * one the caller may see.
     */
    public List<Task> tasks(Caller who, String imageId) {
        Image image = live(imageId)
                .filter(i -> visible(who, i) && allows(who, "get_image", i))
                .orElseThrow(() -> new NotFound(NOT_FOUND));
        return tasks.forImage(image.id(), now(), who.admin()).stream()
                .filter(t -> who.admin() || t.owner() == null || t.owner().equals(who.projectId()))
                .toList();
    }

    /**
     * Deletes the image for the caller: 404 unless the caller sees it, 403 unless the caller is an admin or in the
     * owning project, 403 when it is protected. The row stays, soft-deleted with status {@code deleted}; the data
     * is removed from the store.
     */
    public void delete(Caller who, String id) {
        String notFound = "Failed to find image " + id + " to delete";
        Image image = live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        enforce(who, "delete_image", image);
        if (!who.admin()
                && (image.owner() == null
                        || who.projectId() == null
                        || !image.owner().equals(who.projectId()))) {
            throw new Forbidden("You do not own this image");
        }
        if (image.isProtected()) {
            throw new Forbidden("Image " + id + " is protected and cannot be deleted.");
        }
        ImageRepository.Removed removed = images.softDelete(id, now()).orElseThrow(() -> new NotFound(notFound));
        if (removed.location() != null) {
            try {
                store.delete(removed.location());
            } catch (StoreFailure e) {
                // The image is gone for every caller; only its bytes are left, for the operator to remove.
                LOG.error("Image {} is deleted but its data at {} could not be removed", id, removed.location(), e);
            }
        }
    }

    /** The image whose data the caller wants: visible, and {@code download_image} passes. */
    public Image downloadable(Caller who, String id) {
        Image image =
                live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound("No image found with ID " + id));
        enforce(who, "download_image", image);
        if (image.status() == ImageStatus.DEACTIVATED && !who.admin()) {
            throw new Forbidden("The requested image has been deactivated. Image data download is forbidden.");
        }
        return image;
    }

    /**
     * {@code POST /v2/images}: a queued image with upstream's defaults, checked in upstream's order: the attributes
     * refused outright, the schema, extra property names, the policy ({@code add_image}, then
     * {@code publicize_image} or {@code communitize_image} for the visibility asked, then the owner), read-only and
     * reserved attributes, the minimums, a duplicate id. The owner defaults to the caller's project.
     */
    public Image create(Caller who, JsonNode body) {
        if (!body.isObject()) {
            throw new InvalidInput("Request body must be a JSON object (the image's attributes).");
        }
        for (String key : DISALLOWED) {
            if (body.has(key)) {
                throw new Forbidden("Attribute '" + key + "' is read-only.");
            }
        }
        schema.validate(body);
        body.fieldNames().forEachRemaining(key -> {
            if (!SETTABLE.contains(key) && key.length() > 255) {
                throw new InvalidInput("Custom property should not be greater than 255 characters.");
            }
        });
        String owner = body.has("owner") ? body.get("owner").textValue() : who.projectId();
        String visibility = body.has("visibility") ? body.get("visibility").textValue() : "shared";
        Map<String, String> target = new HashMap<>();
        target.put("owner", owner);
        target.put("project_id", owner);
        target.put("visibility", visibility);
        policy.enforce("add_image", who, target);
        enforceVisibility(who, visibility, target);
        // Upstream's ImageFactoryProxy: a non-admin makes images of its own project only, never ownerless ones
        // (which every project would see); Python's str(None) names the missing owner.
        if (!who.admin() && (owner == null || !owner.equals(who.projectId()))) {
            throw new Forbidden(
                    "You are not permitted to create images owned by '" + (owner == null ? "None" : owner) + "'.");
        }
        for (String key : READ_ONLY_ON_CREATE) {
            if (body.has(key)) {
                throw new Forbidden("Attribute '" + key + "' is read-only.");
            }
        }
        if (body.has("locations")) {
            throw new Forbidden("Attribute 'locations' is reserved.");
        }
        body.fieldNames().forEachRemaining(key -> {
            if (reserved(key)) {
                throw new Forbidden(DENIED + "Attribute '" + key + "' is reserved.");
            }
        });
        long minRam = body.has("min_ram") ? minimum("min_ram", body.get("min_ram")) : 0;
        long minDisk = body.has("min_disk") ? minimum("min_disk", body.get("min_disk")) : 0;
        if (minRam < 0) {
            throw negative("min_ram", minRam);
        }
        if (minDisk < 0) {
            throw negative("min_disk", minDisk);
        }
        TreeSet<String> tags = new TreeSet<>();
        if (body.has("tags")) {
            body.get("tags").forEach(tag -> tags.add(tag.textValue()));
        }
        Map<String, String> properties = new TreeMap<>();
        body.properties().forEach(field -> {
            String key = field.getKey();
            boolean base = SETTABLE.contains(key) || key.equals("id") || DROPPED_ON_CREATE.contains(key);
            // A schema property given as null (kernel_id, ramdisk_id) is as if not given.
            if (!base && !field.getValue().isNull()) {
                properties.put(key, field.getValue().textValue());
            }
        });
        String id =
                body.has("id") ? body.get("id").textValue() : UUID.randomUUID().toString();
        Instant now = now();
        Image image = new Image(
                id,
                body.has("name") ? body.get("name").textValue() : null,
                ImageStatus.QUEUED,
                visibility,
                body.has("protected") && body.get("protected").booleanValue(),
                body.has("os_hidden") && body.get("os_hidden").booleanValue(),
                owner,
                body.has("disk_format") ? body.get("disk_format").textValue() : null,
                body.has("container_format") ? body.get("container_format").textValue() : null,
                null,
                null,
                null,
                null,
                null,
                (int) minDisk,
                (int) minRam,
                new ArrayList<>(tags),
                properties,
                null,
                now,
                now,
                false,
                null,
                null);
        if (!images.create(image)) {
            throw new Conflict("Image ID " + id + " already exists!");
        }
        return image;
    }

    /**
     * {@code PATCH /v2/images/{id}}: the operations checked as upstream's deserializer checks them (read-only and
     * reserved names, each value against the schema), then applied in order to the image the caller sees, each
     * under {@code modify_image} (and the visibility rules), then stored at once.
     */
    public Image update(Caller who, String id, List<ImageChange> changes) {
        for (ImageChange change : changes) {
            String root = change.root();
            if (READ_ONLY_ON_PATCH.contains(root)) {
                throw new Forbidden("Attribute '" + root + "' is read-only.");
            }
            if (reserved(root)) {
                throw new Forbidden("Attribute '" + root + "' is reserved.");
            }
            if (!change.op().equals("remove")) {
                ObjectNode partial = JsonNodeFactory.instance.objectNode();
                if (change.path().size() == 1) {
                    partial.set(root, change.value());
                } else {
                    partial.putArray(root).add(change.value());
                }
                schema.validate(partial);
            }
        }
        Image image =
                live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound("No image found with ID " + id));
        if (changes.isEmpty()) {
            return image;
        }
        ImageDraft draft = new ImageDraft(image);
        for (ImageChange change : changes) {
            apply(who, image, draft, change);
        }
        if (draft.minRam < 0) {
            throw negative("min_ram", draft.minRam);
        }
        if (draft.minDisk < 0) {
            throw negative("min_disk", draft.minDisk);
        }
        Image updated = draft.applyTo(image, now());
        if (!images.update(updated)) {
            throw new NotFound("No image found with ID " + id);
        }
        return live(id).orElseThrow(() -> new NotFound("No image found with ID " + id));
    }

    /** Upstream's _do_add, _do_replace and _do_remove on one image. */
    private void apply(Caller who, Image image, ImageDraft draft, ImageChange change) {
        String root = change.root();
        String op = change.op();
        JsonNode value = change.value();
        if (root.equals("locations")) {
            if (op.equals("replace") && value.isArray() && value.isEmpty()) {
                throw new Forbidden(DENIED + "Cannot set locations to empty list.");
            }
            throw new Forbidden("It's not allowed to " + (op.equals("replace") ? "update" : op)
                    + " locations if locations are invisible.");
        }
        if (root.equals("visibility") && value != null) {
            enforceVisibility(who, value.textValue(), target(who, image));
        }
        requireMutable(who, image, "modify_image", "No image found with ID " + image.id());
        boolean base = SETTABLE.contains(root);
        switch (op) {
            case "add" -> {
                if (change.v20() && (base || draft.properties.containsKey(root))) {
                    throw new Conflict(CONFLICT + "Property " + root + " already present.");
                }
                set(who, image, draft, root, value);
            }
            case "replace" -> {
                if (!base && !draft.properties.containsKey(root)) {
                    throw new Conflict(CONFLICT + "Property " + root + " does not exist.");
                }
                set(who, image, draft, root, value);
            }
            default -> {
                if (base) {
                    throw new Forbidden(DENIED + "Property " + root + " may not be removed.");
                }
                if (draft.properties.remove(root) == null) {
                    throw new Conflict(CONFLICT + "Property " + root + " does not exist.");
                }
            }
        }
    }

    private static void set(Caller who, Image image, ImageDraft draft, String name, JsonNode value) {
        switch (name) {
            case "name" -> draft.name = value.textValue();
            case "visibility" -> draft.visibility = value.textValue();
            case "protected" -> draft.isProtected = value.booleanValue();
            case "os_hidden" -> draft.osHidden = value.booleanValue();
            case "owner" -> {
                if (!who.admin()) {
                    throw new Forbidden(DENIED + "Owner can't be updated by non admin.");
                }
                draft.owner = value.textValue();
            }
            case "disk_format", "container_format" -> {
                if (image.status() != ImageStatus.QUEUED) {
                    throw new Forbidden("Attribute " + name + " can be only replaced for a queued image.");
                }
                if (name.equals("disk_format")) {
                    draft.diskFormat = value.textValue();
                } else {
                    draft.containerFormat = value.textValue();
                }
            }
            case "min_ram" -> draft.minRam = minimum("min_ram", value);
            case "min_disk" -> draft.minDisk = minimum("min_disk", value);
            case "tags" -> {
                draft.tags = new TreeSet<>();
                value.forEach(tag -> draft.tags.add(tag.textValue()));
            }
            default -> {
                if (name.length() > 255) {
                    throw new InvalidInput("Custom property should not be greater than 255 characters.");
                }
                if (value.isNull()) {
                    draft.properties.remove(name);
                } else {
                    draft.properties.put(name, value.textValue());
                }
            }
        }
    }

    /** {@code PUT /v2/images/{id}/tags/{tag}}: idempotent. */
    public void addTag(Caller who, String id, String tag) {
        schema.validate(tagged(tag));
        String notFound = "Image " + id + " not found.";
        Image image = live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        requireMutable(who, image, "modify_image", notFound);
        images.addTag(image.id(), tag, now());
    }

    /** {@code DELETE /v2/images/{id}/tags/{tag}}: 404 when the image does not have the tag. */
    public void removeTag(Caller who, String id, String tag) {
        String notFound = "Image " + id + " not found.";
        Image image = live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        requireMutable(who, image, "modify_image", notFound);
        if (!images.removeTag(image.id(), tag, now())) {
            throw new NotFound(NOT_FOUND);
        }
    }

    private static JsonNode tagged(String tag) {
        ObjectNode image = JsonNodeFactory.instance.objectNode();
        image.putArray("tags").add(tag);
        return image;
    }

    /** {@code POST /v2/images/{id}/actions/deactivate}: active to deactivated; again is fine; other states 403. */
    public void deactivate(Caller who, String id) {
        act(who, id, "deactivate", ImageStatus.ACTIVE, ImageStatus.DEACTIVATED);
    }

    /** {@code POST /v2/images/{id}/actions/reactivate}: deactivated to active; again is fine; other states 403. */
    public void reactivate(Caller who, String id) {
        act(who, id, "reactivate", ImageStatus.DEACTIVATED, ImageStatus.ACTIVE);
    }

    private void act(Caller who, String id, String action, ImageStatus from, ImageStatus to) {
        String notFound = "No image found with ID " + id;
        Image image = live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        requireMutable(who, image, action, notFound);
        ImageStatus status = image.status();
        while (status != to) {
            if (status != from) {
                throw new Forbidden("Not allowed to " + action + " image in status '" + status.wire() + "'");
            }
            if (images.move(id, from, to, now())) {
                return;
            }
            status = live(id).orElseThrow(() -> new NotFound(notFound)).status();
        }
    }

    /**
     * {@code PUT /v2/images/{id}/file}: the image goes {@code saving}, the data flows once through the digests, the
     * format inspection and the size cap into the store, and the image goes {@code active}. Whatever fails or is
     * refused, no byte stays in the store and the image is {@code queued} again.
     *
     * @param announced the request's Content-Length, or -1
     */
    public void upload(Caller who, String id, InputStream data, long announced) {
        String notFound = "No image found with ID " + id;
        Image image = live(id).filter(i -> visible(who, i)).orElseThrow(() -> new NotFound(notFound));
        requireMutable(who, image, "upload_image", notFound);
        if (image.status() != ImageStatus.QUEUED) {
            throw transition(image.status());
        }
        List<String> missing = new ArrayList<>();
        if (image.diskFormat() == null) {
            missing.add("disk_format");
        }
        if (image.containerFormat() == null) {
            missing.add("container_format");
        }
        if (!missing.isEmpty()) {
            throw new InvalidInput((missing.size() == 1 ? "Property " : "Properties ") + String.join(", ", missing)
                    + " must be set prior to saving data.");
        }
        if (announced > intake.sizeCap()) {
            throw new TooLarge("The incoming image is too large: it is larger than the image_size_cap of "
                    + intake.sizeCap() + " bytes.");
        }
        if (!images.move(id, ImageStatus.QUEUED, ImageStatus.SAVING, now())) {
            throw transition(live(id).orElseThrow(() -> new NotFound(notFound)).status());
        }
        Image.StoredData stored;
        try {
            stored = intake.store(image, data, announced);
        } catch (IOException e) {
            restore(id);
            throw new InvalidInput("The image data could not be read to its end: " + e.getMessage());
        } catch (StoreFailure e) {
            restore(id);
            LOG.warn("Upload of image {}: the image store failed: {}", id, e.getMessage(), e);
            throw new Unavailable("The image store could not take the data: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            restore(id);
            Thread.currentThread().interrupt();
            throw new Unavailable("The upload was interrupted: Loupe is stopping", e);
        } catch (RuntimeException | Error e) {
            restore(id);
            throw e;
        }
        Image active = image.activate(stored, now());
        if (!images.activate(active, new Activation.Upload())) {
            try {
                store.delete(stored.location());
            } catch (StoreFailure e) {
                LOG.error("Image {} went during its upload; its data at {} stays", id, stored.location(), e);
            }
            throw new NotFound("Image " + id + " could not be found after upload. The image may have been deleted"
                    + " during the upload.");
        }
        LOG.info("Image {} is active ({} bytes, {})", id, active.size(), active.diskFormat());
    }

    /** A failed upload leaves the image as it was: queued, with nothing in the store. */
    private void restore(String id) {
        try {
            store.discard(id);
        } catch (StoreFailure | RuntimeException e) {
            LOG.warn("Could not remove what a failed upload of image {} wrote; remove it by hand", id, e);
        }
        images.move(id, ImageStatus.SAVING, ImageStatus.QUEUED, now());
    }

    private static Conflict transition(ImageStatus from) {
        return new Conflict("Image status transition from " + from.wire() + " to saving is not allowed");
    }

    /**
     * Upstream's ImageAPIPolicy for a change: the rule (404 with {@code notFound} when the caller may not even see
     * the image, else 403), then, as {@code check_is_image_mutable}, the owner: only admins change another project's
     * image.
     */
    void requireMutable(Caller who, Image image, String rule, String notFound) {
        if (!allows(who, rule, image)) {
            if (!allows(who, "get_image", image)) {
                throw new NotFound(notFound);
            }
            policy.enforce(rule, who, target(who, image));
        }
        if (!who.admin()
                && (image.owner() == null
                        || who.projectId() == null
                        || !image.owner().equals(who.projectId()))) {
            throw new Forbidden("You do not own this image");
        }
    }

    private void enforceVisibility(Caller who, String visibility, Map<String, String> target) {
        if ("public".equals(visibility)) {
            policy.enforce("publicize_image", who, target);
        } else if ("community".equals(visibility)) {
            policy.enforce("communitize_image", who, target);
        }
    }

    private static boolean reserved(String name) {
        return RESERVED.contains(name) || name.startsWith(RESERVED_NAMESPACE);
    }

    /** A min_ram or min_disk value (an integer, by the schema) that fits the column; negatives are refused later. */
    private static long minimum(String name, JsonNode value) {
        BigInteger number = value.bigIntegerValue();
        if (number.compareTo(BigInteger.valueOf(Integer.MIN_VALUE)) < 0) {
            throw negative(name, number);
        }
        if (number.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new InvalidInput("Invalid value '" + number + "' for parameter '" + name
                    + "': Cannot be greater than " + Integer.MAX_VALUE);
        }
        return number.longValue();
    }

    private static InvalidInput negative(String name, Object value) {
        return new InvalidInput(
                "Invalid value '" + value + "' for parameter '" + name + "': Cannot be a negative value");
    }

    /** Whether the image has data to download; upstream answers 204 for one that has none yet. */
    public static boolean hasData(Image image) {
        return image.location() != null && image.size() != null;
    }

    /**
     * Opens the image's data, all of it or the range asked for. Empty when the store no longer has the data
     * (upstream's 204).
     *
     * @param range null for all the data
     */
    public Optional<Download> open(Image image, RangeRequest range) {
        if (!hasData(image)) {
            return Optional.empty();
        }
        long size = image.size();
        RangeRequest.Window window = range == null ? new RangeRequest.Window(0, size) : range.window(size);
        long offset = window.offset();
        long length = window.length();
        InputStream data;
        try {
            data = store.open(image.location(), offset, length);
        } catch (StoreFailure.Missing e) {
            LOG.warn(
                    "Image {} is {} but its data is missing from the store",
                    image.id(),
                    image.status().wire());
            return Optional.empty();
        } catch (StoreFailure e) {
            throw new IllegalStateException(
                    "Reading the data of image " + image.id() + " failed: " + e.getMessage(), e);
        }
        return Optional.of(new Download(data, offset, length, size, range != null, image.checksum()));
    }

    /** Upstream's is_image_visible, without members: admin, no owner, public or community, or the owner. */
    static boolean visible(Caller who, Image image) {
        return who.admin()
                || image.owner() == null
                || image.visibility().equals("public")
                || image.visibility().equals("community")
                || who.projectId() != null && who.projectId().equals(image.owner());
    }

    Optional<Image> live(String id) {
        if (id.length() > MAX_ID_LENGTH || id.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        return images.find(id).filter(image -> !image.deleted());
    }

    /** An image rule: refused, it is 403, or 404 when the caller may not even see the image (upstream's rule). */
    private void enforce(Caller who, String rule, Image image) {
        if (!allows(who, rule, image)) {
            if (!allows(who, "get_image", image)) {
                throw new NotFound(NOT_FOUND);
            }
            policy.enforce(rule, who, target(who, image));
        }
    }

    private boolean allows(Caller who, String rule, Image image) {
        return policy.allows(rule, who.credentials(), target(who, image));
    }

    /**
     * Upstream's ImageTarget: the image's attributes and extra properties, {@code project_id} for the owner, and
     * {@code member_id} for the caller's project on a shared image it does not own.
     */
    private static Map<String, String> target(Caller who, Image image) {
        Map<String, String> target = new HashMap<>(image.properties());
        target.put("id", image.id());
        target.put("name", image.name());
        target.put("status", image.status().wire());
        target.put("visibility", image.visibility());
        target.put("protected", image.isProtected() ? "True" : "False");
        target.put("os_hidden", image.osHidden() ? "True" : "False");
        target.put("owner", image.owner());
        target.put("project_id", image.owner());
        target.put("disk_format", image.diskFormat());
        target.put("container_format", image.containerFormat());
        target.put("checksum", image.checksum());
        boolean member = image.visibility().equals("shared")
                && who.projectId() != null
                && !who.projectId().equals(image.owner());
        target.put("member", member ? who.projectId() : null);
        target.put("member_id", member ? who.projectId() : null);
        return target;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
