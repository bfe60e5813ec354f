package dev.loupe.image;

import dev.loupe.compat.ListSettings;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
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
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of Glance's Images API v2, and delete: who sees which image (upstream's {@code is_image_visible}
 * and its list query), the policy rules {@code get_images}, {@code get_image}, {@code download_image} and
 * {@code delete_image} (Glance 25.1's defaults let everyone pass; a policy file may tighten them), and the
 * admin-or-owner rule upstream applies to deletes.
 */
public final class ImageService {

    private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);

    /** Glance's images.id column; a longer id names no image. */
    private static final int MAX_ID_LENGTH = 36;

    private static final String NOT_FOUND = "The resource could not be found.";

    private final ImageRepository images;
    private final TaskRepository tasks;
    private final ImageStore store;
    private final Policy policy;
    private final Clock clock;
    private final ListSettings lists;

    public ImageService(
            ImageRepository images,
            TaskRepository tasks,
            ImageStore store,
            Policy policy,
            Clock clock,
            ListSettings lists) {
        this.images = images;
        this.tasks = tasks;
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.lists = lists;
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
        return image;
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

    private Optional<Image> live(String id) {
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
