package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.TaskFailure;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.image.Image;
import dev.loupe.image.ImageStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image an import task asks for, from its {@code image_properties}: Glance's base attributes, checked as the
 * image schema checks them, and every other key as an extra property (a string, as the schema requires).
 * Attributes only the server sets are refused, each by name, before anything is fetched.
 */
public record ImageRequest(
        String name,
        String visibility,
        boolean isProtected,
        boolean osHidden,
        String owner,
        String diskFormat,
        String containerFormat,
        int minDisk,
        int minRam,
        List<String> tags,
        Map<String, String> properties) {

    /** Glance's default {@code [image_format] disk_formats} and {@code container_formats}. */
    public static final List<String> DISK_FORMATS =
            List.of("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop");

    public static final List<String> CONTAINER_FORMATS =
            List.of("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed");
    public static final List<String> VISIBILITIES = List.of("community", "public", "private", "shared");

    private static final Set<String> READ_ONLY = Set.of(
            "id",
            "status",
            "checksum",
            "os_hash_algo",
            "os_hash_value",
            "size",
            "virtual_size",
            "created_at",
            "updated_at",
            "direct_url",
            "self",
            "file",
            "schema",
            "stores");
    private static final Set<String> RESERVED = Set.of("location", "locations", "deleted", "deleted_at");
    private static final int MAX_LENGTH = 255;

    /** @throws TaskFailure naming the first property that cannot be used, and why */
    public static ImageRequest from(JsonNode properties) throws TaskFailure {
        if (!properties.isObject()) {
            throw new TaskFailure("image_properties must be an object, not " + JsonTypes.name(properties));
        }
        String name = null;
        String visibility = "shared";
        boolean isProtected = false;
        boolean osHidden = false;
        String owner = null;
        String diskFormat = null;
        String containerFormat = null;
        int minDisk = 0;
        int minRam = 0;
        List<String> tags = List.of();
        Map<String, String> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : properties.properties()) {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            if (READ_ONLY.contains(key)) {
                throw new TaskFailure("Attribute '" + key + "' is read-only.");
            }
            if (RESERVED.contains(key) || key.startsWith("os_glance")) {
                throw new TaskFailure("Attribute '" + key + "' is reserved.");
            }
            switch (key) {
                case "name" -> name = text(key, value, true, null);
                case "visibility" -> visibility = text(key, value, false, VISIBILITIES);
                case "protected" -> isProtected = bool(key, value);
                case "os_hidden" -> osHidden = bool(key, value);
                case "owner" -> owner = text(key, value, true, null);
                case "disk_format" -> diskFormat = text(key, value, true, DISK_FORMATS);
                case "container_format" -> containerFormat = text(key, value, true, CONTAINER_FORMATS);
                case "min_disk" -> minDisk = count(key, value);
                case "min_ram" -> minRam = count(key, value);
                case "tags" -> tags = tags(value);
                default -> extra.put(extraKey(key), extraValue(key, value));
            }
        }
        if (diskFormat == null || containerFormat == null) {
            throw new TaskFailure("Properties disk_format, container_format must be set prior to saving data.");
        }
        return new ImageRequest(
                name,
                visibility,
                isProtected,
                osHidden,
                owner,
                diskFormat,
                containerFormat,
                minDisk,
                minRam,
                tags,
                extra);
    }

    /**
     * What only admins may ask of an import, checked when the task is created because the task does not keep the
     * caller's roles: a public image (Glance's {@code publicize_image} rule) or an image owned by another project.
     * The rest of {@code image_properties} is checked when the task runs, as upstream does.
     */
    public static void authorize(JsonNode input, String project, boolean admin) {
        JsonNode properties = input.isObject() ? input.get("image_properties") : null;
        if (admin || properties == null || !properties.isObject()) {
            return;
        }
        JsonNode visibility = properties.get("visibility");
        if (visibility != null && "public".equals(visibility.textValue())) {
            throw new Forbidden(
                    "Only admins may create public images: image_properties asks for visibility" + " 'public'.");
        }
        JsonNode owner = properties.get("owner");
        if (owner != null && owner.isTextual() && !owner.textValue().equals(project)) {
            throw new Forbidden("You are not permitted to create images owned by '" + owner.textValue() + "'.");
        }
    }

    /** The image as created before its data flows: queued, owned by {@code owner} unless the request names one. */
    public Image queued(String id, String defaultOwner, String taskId, Instant now) {
        return new Image(
                id,
                name,
                ImageStatus.QUEUED,
                visibility,
                isProtected,
                osHidden,
                owner == null ? defaultOwner : owner,
                diskFormat,
                containerFormat,
                null,
                null,
                null,
                null,
                null,
                minDisk,
                minRam,
                tags,
                properties,
                null,
                now,
                now,
                false,
                null,
                taskId);
    }

    private static String text(String key, JsonNode value, boolean nullable, List<String> choices) throws TaskFailure {
        if (value.isNull() && nullable) {
            return null;
        }
        if (!value.isTextual()) {
            throw new TaskFailure("Invalid value for image property '" + key + "': expected a string"
                    + (nullable ? " or null" : "") + ", not " + JsonTypes.name(value));
        }
        String text = value.textValue();
        if (choices != null && !choices.contains(text)) {
            throw new TaskFailure("Invalid value for image property '" + key + "': '" + text + "' is not one of "
                    + String.join(", ", choices));
        }
        if (text.length() > MAX_LENGTH || text.indexOf('\0') >= 0) {
            throw new TaskFailure("Invalid value for image property '" + key + "': it must have at most " + MAX_LENGTH
                    + " characters and no NUL");
        }
        return text;
    }

    private static boolean bool(String key, JsonNode value) throws TaskFailure {
        if (!value.isBoolean()) {
            throw new TaskFailure("Invalid value for image property '" + key + "': expected true or false, not "
                    + JsonTypes.name(value));
        }
        return value.booleanValue();
    }

    private static int count(String key, JsonNode value) throws TaskFailure {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw new TaskFailure("Invalid value for image property '" + key + "': expected a whole number from 0 to "
                    + Integer.MAX_VALUE + ", not " + value);
        }
        return value.intValue();
    }

    private static List<String> tags(JsonNode value) throws TaskFailure {
        if (!value.isArray()) {
            throw new TaskFailure("Invalid value for image property 'tags': expected a list of strings, not "
                    + JsonTypes.name(value));
        }
        Set<String> tags = new LinkedHashSet<>();
        for (JsonNode tag : value) {
            if (!tag.isTextual()
                    || tag.textValue().length() > MAX_LENGTH
                    || tag.textValue().indexOf('\0') >= 0) {
                throw new TaskFailure("Invalid value for image property 'tags': each tag must be a string of at most "
                        + MAX_LENGTH + " characters, without NUL");
            }
            tags.add(tag.textValue());
        }
        return new ArrayList<>(tags);
    }

    private static String extraKey(String key) throws TaskFailure {
        if (key.isEmpty() || key.length() > MAX_LENGTH || key.indexOf('\0') >= 0) {
            throw new TaskFailure(
                    "Invalid image property name: it must have 1 to " + MAX_LENGTH + " characters and no NUL");
        }
        return key;
    }

    private static String extraValue(String key, JsonNode value) throws TaskFailure {
        if (!value.isTextual()) {
            throw new TaskFailure("Invalid value for image property '" + key
                    + "': extra properties must be strings, not " + JsonTypes.name(value));
        }
        if (value.textValue().indexOf('\0') >= 0) {
            throw new TaskFailure("Invalid value for image property '" + key + "': it contains a NUL character");
        }
        return value.textValue();
    }
}
