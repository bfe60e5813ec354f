package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The task schema documents clients read, and the validation of create bodies against the raw form of the task
 * schema (the same document with {@code additionalProperties: false}), with upstream's error text.
 */
public final class TaskSchema {

    private final JsonNode taskDocument;
    private final JsonNode tasksDocument;
    /** Built at the first validation: loading the validator and compiling the schema is most of a start's JSON work. */
    private final Supplier<JsonSchema> raw;

    private final List<String> propertyOrder = new ArrayList<>();

    public TaskSchema(ObjectMapper json) {
        this.taskDocument = JsonSchemas.document(json, "/schemas/task.json");
        this.tasksDocument = JsonSchemas.document(json, "/schemas/tasks.json");
        ObjectNode rawDoc = taskDocument.deepCopy();
        rawDoc.put("additionalProperties", false);
        this.raw = JsonSchemas.builtOnFirstUse(rawDoc);
        taskDocument.get("properties").fieldNames().forEachRemaining(propertyOrder::add);
    }

    public JsonNode taskDocument() {
        return taskDocument;
    }

    public JsonNode tasksDocument() {
        return tasksDocument;
    }

    /** Validates a whole create body; throws with upstream's message for the most relevant error. */
    void validate(JsonNode body) {
        // NaN and infinities: no task property accepts an array, and the object-typed ones do not look inside, so
        // an empty array stands in and the body fails exactly the checks it failed before.
        Set<ValidationMessage> errors =
                raw.get().validate(JsonSchemas.withoutNonFiniteNumbers(body, JsonNodeFactory.instance::arrayNode));
        if (errors.isEmpty()) {
            return;
        }
        ValidationMessage best = JsonSchemas.bestMatch(errors, propertyOrder, this::judging);
        throw new InvalidInput("Provided object does not match schema 'task': " + describe(best, body));
    }

    /** A property's schema; the body's own keywords (required, additionalProperties) rank alike. */
    private JsonNode judging(JsonNodePath where) {
        return where.getNameCount() == 0
                ? JsonNodeFactory.instance.objectNode()
                : taskDocument.get("properties").path(where.getName(0));
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
        String first = JsonSchemas.headline(error, value, propertySchema);
        return first + "\n\nFailed validating " + PythonRepr.string(keyword) + " in schema['properties']["
                + PythonRepr.string(property) + "]:\n    " + PythonRepr.of(propertySchema)
                + "\n\nOn instance[" + PythonRepr.string(property) + "]:\n    " + PythonRepr.of(value);
    }
}
