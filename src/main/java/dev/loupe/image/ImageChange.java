package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.failure.LoupeException.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One operation of a {@code PATCH /v2/images/{id}} body, read as upstream's RequestDeserializer.update reads the two
 * media types it accepts: {@code application/openstack-images-v2.1-json-patch} ({@code {"op": "replace", "path":
 * "/name", "value": ...}}) and {@code application/openstack-images-v2.0-json-patch} ({@code {"replace": "/name",
 * "value": ...}}), with its messages.
 *
 * @param path  the decoded JSON pointer ({@code ~1} is {@code /}, {@code ~0} is {@code ~}), one or two tokens
 * @param value null for {@code remove}
 * @param v20   whether it came in the v2.0 form, where {@code add} of a property that exists is a conflict
 */
public record ImageChange(String op, List<String> path, JsonNode value, boolean v20) {

    private static final List<String> OPERATIONS = List.of("add", "remove", "replace");
    private static final Pattern ADJACENT_SLASHES = Pattern.compile("/\\s*?/");
    private static final Pattern BAD_ESCAPE = Pattern.compile("~[^01]");

    public ImageChange {
        path = List.copyOf(path);
    }

    /** The attribute or property the operation is about. */
    public String root() {
        return path.getFirst();
    }

    /** The whole body, in order; 400 with upstream's message for the first operation that does not read. */
    public static List<ImageChange> parse(JsonNode body, boolean v20) {
        if (!body.isArray()) {
            throw new InvalidInput("Request body must be a JSON array of operation objects.");
        }
        List<ImageChange> changes = new ArrayList<>();
        for (JsonNode raw : body) {
            if (!raw.isObject()) {
                throw new InvalidInput("Operations must be JSON objects.");
            }
            String op = v20 ? opV20(raw) : opV21(raw);
            JsonNode rawPath = v20 ? raw.get(op) : raw.get("path");
            if (rawPath == null) {
                throw new InvalidInput("Unable to find 'path' in JSON Schema change");
            }
            if (!rawPath.isTextual()) {
                throw new InvalidInput("Pointer `" + text(rawPath) + "` does not start with \"/\".");
            }
            List<String> path = decode(rawPath.textValue());
            int depth = path.getFirst().equals("locations") && !op.equals("replace") ? 2 : 1;
            if (path.size() != depth) {
                throw new InvalidInput("Invalid JSON pointer for this resource: '/" + String.join("/", path) + "'");
            }
            JsonNode value = null;
            if (!op.equals("remove")) {
                value = raw.get("value");
                if (value == null) {
                    throw new InvalidInput("Operation \"" + op + "\" requires a member named \"value\".");
                }
            }
            changes.add(new ImageChange(op, path, value, v20));
        }
        return changes;
    }

    private static String opV21(JsonNode raw) {
        JsonNode op = raw.get("op");
        if (op == null) {
            throw new InvalidInput("Unable to find `op` in JSON Schema change. It must be one of the following: "
                    + String.join(", ", OPERATIONS) + ".");
        }
        if (!op.isTextual() || !OPERATIONS.contains(op.textValue())) {
            throw new InvalidInput("Invalid operation: `" + text(op) + "`. It must be one of the following: "
                    + String.join(", ", OPERATIONS) + ".");
        }
        return op.textValue();
    }

    private static String opV20(JsonNode raw) {
        String op = null;
        for (String candidate : OPERATIONS) {
            if (raw.has(candidate)) {
                if (op != null) {
                    throw new InvalidInput(
                            "Operation objects must contain only one member named \"add\", \"remove\", or \"replace\".");
                }
                op = candidate;
            }
        }
        if (op == null) {
            throw new InvalidInput(
                    "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".");
        }
        return op;
    }

    /** Upstream's _validate_json_pointer and _decode_json_pointer. */
    private static List<String> decode(String pointer) {
        if (!pointer.startsWith("/")) {
            throw new InvalidInput("Pointer `" + pointer + "` does not start with \"/\".");
        }
        if (ADJACENT_SLASHES.matcher(pointer.substring(1)).find()) {
            throw new InvalidInput("Pointer `" + pointer + "` contains adjacent \"/\".");
        }
        if (pointer.length() > 1 && pointer.endsWith("/")) {
            throw new InvalidInput("Pointer `" + pointer + "` end with \"/\".");
        }
        if (pointer.substring(1).strip().equals("/")) {
            throw new InvalidInput("Pointer `" + pointer + "` does not contains valid token.");
        }
        if (BAD_ESCAPE.matcher(pointer).find() || pointer.endsWith("~")) {
            throw new InvalidInput(
                    "Pointer `" + pointer + "` contains \"~\" not part of a recognized escape sequence.");
        }
        List<String> tokens = new ArrayList<>();
        String rest = pointer.replaceFirst("^/+", "");
        for (String part : rest.split("/", -1)) {
            tokens.add(part.replace("~1", "/").replace("~0", "~").strip());
        }
        return tokens;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.textValue() : node.toString();
    }
}
