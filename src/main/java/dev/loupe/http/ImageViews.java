package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.compat.Isotime;
import dev.loupe.image.Image;
import dev.loupe.image.ImagePage;
import dev.loupe.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Upstream's image representations ({@code glance/api/v2/images.py} ResponseSerializer._format_image): extra
 * properties first, then the base attributes (nulls shown as null), tags and links; never locations or direct_url
 * (hidden by default upstream). Also the list envelope, and the raw task rows of {@code /v2/images/{id}/tasks}.
 */
final class ImageViews {

    /** Upstream hides this extra property from every view. */
    private static final String STAGE_HOST = "os_glance_stage_host";

    private final ObjectMapper json;

    ImageViews(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode full(Image image) {
        ObjectNode view = json.createObjectNode();
        image.properties().entrySet().stream()
                .filter(p -> !p.getKey().equals(STAGE_HOST))
                .sorted(Map.Entry.comparingByKey())
                .forEach(p -> view.put(p.getKey(), p.getValue()));
        // A base attribute replaces an extra property of the same name where it stands, as a Python dict does.
        view.put("name", image.name());
        view.put("disk_format", image.diskFormat());
        view.put("container_format", image.containerFormat());
        view.put("visibility", image.visibility());
        view.put("size", image.size());
        view.put("virtual_size", image.virtualSize());
        view.put("status", image.status().wire());
        view.put("checksum", image.checksum());
        view.put("protected", image.isProtected());
        view.put("min_ram", image.minRam());
        view.put("min_disk", image.minDisk());
        view.put("owner", image.owner());
        view.put("os_hidden", image.osHidden());
        view.put("os_hash_algo", image.osHashAlgo());
        view.put("os_hash_value", image.osHashValue());
        view.put("id", image.id());
        view.put("created_at", Isotime.format(image.createdAt()));
        view.put("updated_at", Isotime.format(image.updatedAt()));
        ArrayNode tags = view.putArray("tags");
        image.tags().forEach(tags::add);
        view.put("self", "/v2/images/" + image.id());
        view.put("file", "/v2/images/" + image.id() + "/file");
        view.put("schema", "/v2/schemas/image");
        return view;
    }

    /**
     * @param params the request's parameters, each once with its last value, in order of first appearance
     */
    ObjectNode list(ImagePage page, Map<String, String> params) {
        ObjectNode view = json.createObjectNode();
        ArrayNode images = view.putArray("images");
        page.images().forEach(i -> images.add(full(i)));
        List<Map.Entry<String, String>> links = new ArrayList<>();
        params.forEach((k, v) -> {
            if (!k.equals("marker")) {
                links.add(Map.entry(k, v));
            }
        });
        view.put("first", "/v2/images" + QueryString.urlencode(links));
        view.put("schema", "/v2/schemas/images");
        if (page.nextMarker() != null) {
            links.add(Map.entry("marker", page.nextMarker()));
            view.put("next", "/v2/images" + QueryString.urlencode(links));
        }
        return view;
    }

    /**
     * {@code {"tasks": [...]}} with each task as upstream's database layer formats it: every column,
     * times as {@code YYYY-MM-DDTHH:MM:SS.ffffff} without a zone, {@code deleted} a boolean, then input, result and
     * message.
     */
    ObjectNode tasks(List<Task> tasks) {
        ObjectNode view = json.createObjectNode();
        ArrayNode rows = view.putArray("tasks");
        for (Task task : tasks) {
            ObjectNode row = rows.addObject();
            row.put("id", task.id());
            row.put("type", task.type().wire());
            row.put("status", task.status().wire());
            row.put("owner", task.owner());
            row.put("expires_at", task.expiresAt() == null ? null : Isotime.primitive(task.expiresAt()));
            row.put("created_at", Isotime.primitive(task.createdAt()));
            row.put("updated_at", Isotime.primitive(task.updatedAt()));
            row.put("deleted_at", task.deletedAt() == null ? null : Isotime.primitive(task.deletedAt()));
            row.put("deleted", task.deleted());
            row.put("image_id", task.imageId());
            row.put("request_id", task.requestId());
            row.put("user_id", task.userId());
            row.set("input", task.input() == null ? NullNode.getInstance() : task.input());
            row.set("result", task.result() == null ? NullNode.getInstance() : task.result());
            row.put("message", task.message());
        }
        return view;
    }
}
