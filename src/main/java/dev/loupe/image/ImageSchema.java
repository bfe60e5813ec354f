package dev.loupe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.loupe.compat.JsonSchemas;
import dev.loupe.compat.PythonRepr;
import dev.loupe.failure.LoupeException.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

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
    private final Supplier<JsonSchema> validator;

    private final List<String> propertyOrder = new ArrayList<>();

    public ImageSchema(ObjectMapper json) {
        this.imageDocument = JsonSchemas.document(json, "/schemas/image.json");
        this.imagesDocument = JsonSchemas.document(json, "/schemas/images.json");
        this.validator = JsonSchemas.builtOnFirstUse(imageDocument.deepCopy());
        imageDocument.get("properties").fieldNames().forEachRemaining(propertyOrder::add);
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
        // NaN and infinities: an object stands in, which fails every check the image schema makes on a number.
        Set<ValidationMessage> errors = validator
                .get()
                .validate(JsonSchemas.withoutNonFiniteNumbers(image, JsonNodeFactory.instance::objectNode));
        if (errors.isEmpty()) {
            return;
        }
        ValidationMessage best = JsonSchemas.bestMatch(errors, propertyOrder, this::subschema);
        throw new InvalidInput("Provided object does not match schema 'image': " + describe(best, image));
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
        String first = JsonSchemas.headline(error, value, schema);
        return first + "\n\nFailed validating " + PythonRepr.string(keyword) + " in " + schemaPath + ":\n    "
                + PythonRepr.of(schema) + "\n\nOn " + instancePath + ":\n    " + PythonRepr.of(value);
    }
}
