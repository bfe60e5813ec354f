package dev.loupe.compat;

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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Validation as Glance does it with Python's jsonschema, on networknt's validators: which of the errors it names
 * ({@code best_match}) and the words of its first line.
 */
public final class JsonSchemas {

    private JsonSchemas() {}

    /**
     * A draft-4 validator for {@code document}, built at its first use: building the task and image ones took a tenth
     * of a start's work, which the first request after the start does not need.
     */
    public static Supplier<JsonSchema> builtOnFirstUse(JsonNode document) {
        return new Supplier<>() {
            private volatile JsonSchema built;

            @Override
            public JsonSchema get() {
                JsonSchema schema = built;
                if (schema == null) {
                    synchronized (this) {
                        if (built == null) {
                            built = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
                                    .getSchema(document);
                        }
                        schema = built;
                    }
                }
                return schema;
            }
        };
    }

    /** A schema document packaged with Loupe. */
    public static JsonNode document(ObjectMapper json, String resource) {
        try (InputStream in = JsonSchemas.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * jsonschema's {@code best_match}: the shallowest error; among equals, the one on the property first in schema
     * order, then the one whose keyword comes first in the schema that judged it.
     *
     * @param propertyOrder the schema's properties in document order
     * @param judging       the part of the schema that judges the value at a path
     */
    public static ValidationMessage bestMatch(
            Set<ValidationMessage> errors, List<String> propertyOrder, Function<JsonNodePath, JsonNode> judging) {
        return errors.stream()
                .min(Comparator.<ValidationMessage>comparingInt(
                                e -> e.getInstanceLocation().getNameCount())
                        .thenComparingInt(e -> propertyIndex(e, propertyOrder))
                        .thenComparingInt(e -> keywordIndex(e, judging)))
                .orElseThrow();
    }

    private static int propertyIndex(ValidationMessage error, List<String> propertyOrder) {
        if (error.getInstanceLocation().getNameCount() == 0) {
            return -1;
        }
        int index =
                propertyOrder.indexOf(String.valueOf(error.getInstanceLocation().getElement(0)));
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    private static int keywordIndex(ValidationMessage error, Function<JsonNodePath, JsonNode> judging) {
        List<String> keywords = new ArrayList<>();
        judging.apply(error.getInstanceLocation()).fieldNames().forEachRemaining(keywords::add);
        return keywords.indexOf(error.getType());
    }

    /** jsonschema's first line for a failed keyword, about {@code value} and the {@code schema} that judged it. */
    public static String headline(ValidationMessage error, JsonNode value, JsonNode schema) {
        return switch (error.getType()) {
            case "enum" -> PythonRepr.of(value) + " is not one of " + PythonRepr.of(schema.get("enum"));
            case "pattern" ->
                PythonRepr.of(value) + " does not match "
                        + PythonRepr.string(schema.get("pattern").textValue());
            case "type" -> PythonRepr.of(value) + " is not of type " + typeList(schema.get("type"));
            case "maxLength" -> PythonRepr.of(value) + " is too long";
            case "minLength" -> PythonRepr.of(value) + " is too short";
            default -> error.getMessage();
        };
    }

    private static String typeList(JsonNode type) {
        if (type.isArray()) {
            List<String> names = new ArrayList<>();
            type.forEach(t -> names.add(PythonRepr.string(t.textValue())));
            return String.join(", ", names);
        }
        return PythonRepr.string(type.textValue());
    }

    /**
     * A copy of {@code node} in which {@code standIn} replaces NaN and the infinities, wherever they are: the
     * validator cannot compare them with enum values. The caller picks a stand-in that fails exactly the checks the
     * number failed, and builds its messages from the original document.
     */
    public static JsonNode withoutNonFiniteNumbers(JsonNode node, Supplier<JsonNode> standIn) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            return standIn.get();
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.properties()
                    .forEach(field -> copy.set(field.getKey(), withoutNonFiniteNumbers(field.getValue(), standIn)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(withoutNonFiniteNumbers(item, standIn)));
            return copy;
        }
        return node;
    }
}
