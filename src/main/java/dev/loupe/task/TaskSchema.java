package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The task schema documents clients read, and the validation of create bodies against the raw form of the task
 * schema (the same document with {@code additionalProperties: false}), with upstream's error text.
 */
public final class TaskSchema {

    private final JsonNode taskDocument;
    private final JsonNode tasksDocument;
    /** Built at the first validation: loading the validator and compiling the schema is most of a start's JSON work. */
    private volatile JsonSchema raw;

    private final List<String> propertyOrder = new ArrayList<>();

    public TaskSchema(ObjectMapper json) {
        this.taskDocument = read(json, "/schemas/task.json");
        this.tasksDocument = read(json, "/schemas/tasks.json");
        taskDocument.get("properties").fieldNames().forEachRemaining(propertyOrder::add);
    }

    private static JsonNode read(ObjectMapper json, String resource) {
        try (InputStream in = TaskSchema.class.getResourceAsStream(resource)) {
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonSchema raw() {
        JsonSchema built = raw;
        if (built != null) {
            return built;
        }
        synchronized (this) {
            if (raw == null) {
                ObjectNode rawDoc = taskDocument.deepCopy();
                rawDoc.put("additionalProperties", false);
                raw = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(rawDoc);
            }
            return raw;
        }
    }

    public JsonNode taskDocument() {
        return taskDocument;
    }

    public JsonNode tasksDocument() {
        return tasksDocument;
    }

    /** Validates a whole create body; throws with upstream's message for the most relevant error. */
    void validate(JsonNode body) {
        Set<ValidationMessage> errors = raw().validate(withoutNonFiniteNumbers(body));
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
        throw new InvalidInput("Provided object does not match schema 'task': " + describe(best, body));
    }

    /**
     * The validator cannot compare NaN or infinities with enum values. No task property accepts an array, and
     * the object-typed ones do not look inside, so an empty array stands in for each such number, wherever it is,
     * and the body fails exactly the checks it failed before. Messages are built from the original body.
     */
    private static JsonNode withoutNonFiniteNumbers(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            return JsonNodeFactory.instance.arrayNode();
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
        int index = propertyOrder.indexOf(error.getInstanceLocation().getName(0));
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    private int keywordIndex(ValidationMessage error) {
        if (error.getInstanceLocation().getNameCount() == 0) {
            return 0;
        }
        JsonNode propertySchema =
                taskDocument.get("properties").get(error.getInstanceLocation().getName(0));
        List<String> keywords = new ArrayList<>();
        propertySchema.fieldNames().forEachRemaining(keywords::add);
        return keywords.indexOf(error.getType());
    }

    private String describe(ValidationMessage error, JsonNode body) {
        if (error.getInstanceLocation().getNameCount() == 0) {
            List<String> unexpected = new ArrayList<>();
            body.fieldNames().forEachRemaining(name -> {
                if (!propertyOrder.contains(name)) {
                    unexpected.add(PythonRepr.string(name));
                }
            });
            String verb = unexpected.size() == 1 ? "was" : "were";
            // Upstream's headline, then one readable line instead of jsonschema's dump of the whole schema and
            // body (about 1.5 KB): which keys a task body may have.
            List<String> ignored = propertyOrder.stream()
                    .filter(name -> !name.equals("type") && !name.equals("input"))
                    .map(PythonRepr::string)
                    .toList();
            return "Additional properties are not allowed (" + String.join(", ", unexpected) + " " + verb
                    + " unexpected)\n\nA task body takes 'type' and 'input'; besides them it may only carry these"
                    + " keys, which are ignored: " + String.join(", ", ignored) + ".";
        }
        String property = error.getInstanceLocation().getName(0);
        JsonNode propertySchema = taskDocument.get("properties").get(property);
        JsonNode value = body.get(property);
        String keyword = error.getType();
        String first = switch (keyword) {
            case "enum" -> PythonRepr.of(value) + " is not one of " + PythonRepr.of(propertySchema.get("enum"));
            case "pattern" ->
                PythonRepr.of(value) + " does not match "
                        + PythonRepr.string(propertySchema.get("pattern").textValue());
            case "type" -> PythonRepr.of(value) + " is not of type " + typeList(propertySchema.get("type"));
            default -> error.getMessage();
        };
        return first + "\n\nFailed validating " + PythonRepr.string(keyword) + " in schema['properties']["
                + PythonRepr.string(property) + "]:\n    " + PythonRepr.of(propertySchema)
                + "\n\nOn instance[" + PythonRepr.string(property) + "]:\n    " + PythonRepr.of(value);
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
