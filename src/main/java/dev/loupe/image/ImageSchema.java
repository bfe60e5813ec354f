package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.loupe.compat.PythonRepr;
import dev.loupe.failure.LoupeException.InvalidInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The image schema documents Glance 25.1 serves ({@code GET /v2/schemas/image} and {@code /v2/schemas/images}),
 * as its packaged server answers them: the base properties, the custom properties of the packaged
 * {@code schema-image.json}, {@code additionalProperties: {"type": "string"}} and the links. python-glanceclient
 * builds its image commands from the first. Create bodies, patched values and tags are validated against the first,
 * with upstream's message ({@code Provided object does not match schema 'image': ...}).
 */
public final class ImageSchema {

    private final JsonNode imageDocument;
    private final JsonNode imagesDocument;
    /** Built at the first validation, as {@code TaskSchema} builds its own: work a start need not wait for. */
    private volatile JsonSchema validator;

    private final List<String> propertyOrder = new ArrayList<>();

    public ImageSchema(ObjectMapper json) {
        this.imageDocument = read(json, "/schemas/image.json");
        this.imagesDocument = read(json, "/schemas/images.json");
        imageDocument.get("properties").fieldNames().forEachRemaining(propertyOrder::add);
    }

    private JsonSchema validator() {
        JsonSchema built = validator;
        if (built != null) {
            return built;
        }
        synchronized (this) {
            if (validator == null) {
                validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
                        .getSchema(imageDocument.deepCopy());
            }
            return validator;
        }
    }

    private static JsonNode read(ObjectMapper json, String resource) {
        try (InputStream in = ImageSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode imageDocument() {
        return imageDocument;
    }

    public JsonNode imagesDocument() {
        return imagesDocument;
    }

    /** Whether {@code name} is one of the schema's properties (base or custom), as opposed to a free extra one. */
    boolean describes(String name) {
        return propertyOrder.contains(name);
    }

    /** Validates an image object (a whole create body, or one property of a patch); throws upstream's 400. */
    void validate(JsonNode image) {
        Set<ValidationMessage> errors = validator().validate(withoutNonFiniteNumbers(image));
        if (errors.isEmpty()) {
            return;
        }
        // Like jsonschema's best_match: the shallowest error wins; among equals, the first in schema order.
        ValidationMessage best = errors.stream()
                .min(Comparator.<ValidationMessage>comparingInt(
                                e -> e.getInstanceLocation().getNameCount())
                        .thenComparingInt(this::propertyIndex)
                        .thenComparingInt(this::keywordIndex))
                .orElseThrow();
        throw new InvalidInput("Provided object does not match schema 'image': " + describe(best, image));
    }

    /** NaN and infinities cannot be compared by the validator; a string stands in (every such check then fails). */
    private static JsonNode withoutNonFiniteNumbers(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.properties().forEach(field -> copy.set(field.getKey(), withoutNonFiniteNumbers(field.getValue())));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(withoutNonFiniteNumbers(item)));
            return copy;
        }
        return node;
    }

    private int propertyIndex(ValidationMessage error) {
        if (error.getInstanceLocation().getNameCount() == 0) {
            return -1;
        }
        int index =
                propertyOrder.indexOf(String.valueOf(error.getInstanceLocation().getElement(0)));
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    private int keywordIndex(ValidationMessage error) {
        JsonNode schema = subschema(error.getInstanceLocation());
        List<String> keywords = new ArrayList<>();
        schema.fieldNames().forEachRemaining(keywords::add);
        return keywords.indexOf(error.getType());
    }

    /** The part of the schema that judges the value at {@code where}: a property's, its items', or the extras'. */
    private JsonNode subschema(JsonNodePath where) {
        if (where.getNameCount() == 0) {
            return imageDocument;
        }
        String property = String.valueOf(where.getElement(0));
        JsonNode schema = imageDocument.get("properties").get(property);
        if (schema == null) {
            schema = imageDocument.get("additionalProperties");
        }
        for (int i = 1; i < where.getNameCount() && schema != null; i++) {
            schema = where.getElement(i) instanceof Integer
                    ? schema.get("items")
                    : schema.path("properties").get(String.valueOf(where.getElement(i)));
        }
        return schema == null ? JsonNodeFactory.instance.objectNode() : schema;
    }

    private String describe(ValidationMessage error, JsonNode image) {
        JsonNodePath where = error.getInstanceLocation();
        JsonNode value = image;
        StringBuilder schemaPath = new StringBuilder("schema");
        StringBuilder instancePath = new StringBuilder("instance");
        for (int i = 0; i < where.getNameCount(); i++) {
            Object element = where.getElement(i);
            if (element instanceof Integer index) {
                value = value.get(index);
                schemaPath.append("['items']");
                instancePath.append('[').append(index).append(']');
            } else {
                String name = String.valueOf(element);
                value = value.get(name);
                if (i == 0) {
                    schemaPath.append(
                            describes(name)
                                    ? "['properties'][" + PythonRepr.string(name) + "]"
                                    : "['additionalProperties']");
                } else {
                    schemaPath
                            .append("['properties'][")
                            .append(PythonRepr.string(name))
                            .append(']');
                }
                instancePath.append('[').append(PythonRepr.string(name)).append(']');
            }
        }
        JsonNode schema = subschema(where);
        String keyword = error.getType();
        String first = switch (keyword) {
            case "enum" -> PythonRepr.of(value) + " is not one of " + PythonRepr.of(schema.get("enum"));
            case "pattern" ->
                PythonRepr.of(value) + " does not match "
                        + PythonRepr.string(schema.get("pattern").textValue());
            case "type" -> PythonRepr.of(value) + " is not of type " + typeList(schema.get("type"));
            case "maxLength" -> PythonRepr.of(value) + " is too long";
            case "minLength" -> PythonRepr.of(value) + " is too short";
            default -> error.getMessage();
        };
        return first + "\n\nFailed validating " + PythonRepr.string(keyword) + " in " + schemaPath + ":\n    "
                + PythonRepr.of(schema) + "\n\nOn " + instancePath + ":\n    " + PythonRepr.of(value);
    }

    private static String typeList(JsonNode type) {
        if (type.isArray()) {
            List<String> names = new ArrayList<>();
            type.forEach(t -> names.add(PythonRepr.string(t.textValue())));
            return String.join(", ", names);
        }
        return PythonRepr.string(type.textValue());
    }
}
