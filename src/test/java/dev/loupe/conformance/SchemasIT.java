package dev.loupe.conformance;

import static dev.loupe.conformance.Wire.*;
import static dev.loupe.testing.Client.ADMIN_A;
import static dev.loupe.testing.Client.MEMBER_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.ApiServer;
import dev.loupe.testing.Client;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v2/schemas/task} and {@code /v2/schemas/tasks}: Glance's documents, verbatim. */
class SchemasIT {

    /** Glance 25.1's task schema. */
    static final String TASK = """
            {
                "name": "task",
                "properties": {
                    "id": {"description": "An identifier for the task",
                           "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
                           "type": "string"},
                    "type": {"description": "The type of task represented by this content",
                             "enum": ["import", "api_image_import", "location_import"], "type": "string"},
                    "status": {"description": "The current status of this task",
                               "enum": ["pending", "processing", "success", "failure"], "type": "string"},
                    "input": {"description": "The parameters required by task, JSON blob", "type": ["null", "object"]},
                    "result": {"description": "The result of current task, JSON blob", "type": ["null", "object"]},
                    "owner": {"description": "An identifier for the owner of this task", "type": "string"},
                    "message": {"description": "Human-readable informative message only included when appropriate (usually on failure)",
                                "type": "string"},
                    "image_id": {"description": "Image associated with the task", "type": "string"},
                    "request_id": {"description": "Human-readable informative request-id", "type": "string"},
                    "user_id": {"description": "User associated with the task", "type": "string"},
                    "expires_at": {"description": "Datetime when this resource would be subject to removal", "type": ["null", "string"]},
                    "created_at": {"description": "Datetime when this resource was created", "type": "string"},
                    "updated_at": {"description": "Datetime when this resource was updated", "type": "string"},
                    "self": {"readOnly": true, "type": "string"},
                    "schema": {"readOnly": true, "type": "string"}
                }
            }
            """;

    /** Glance 25.1's tasks schema. */
    static final String TASKS = """
            {
                "name": "tasks",
                "properties": {
                    "tasks": {
                        "type": "array",
                        "items": {
                            "name": "task",
                            "properties": {
                                "id":         {"description": "An identifier for the task", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$", "type": "string"},
                                "type":       {"description": "The type of task represented by this content", "enum": ["import", "api_image_import", "location_import"], "type": "string"},
                                "status":     {"description": "The current status of this task", "enum": ["pending", "processing", "success", "failure"], "type": "string"},
                                "owner":      {"description": "An identifier for the owner of this task", "type": "string"},
                                "image_id":   {"description": "Image associated with the task", "type": "string"},
                                "request_id": {"description": "Human-readable informative request-id", "type": "string"},
                                "user_id":    {"description": "User associated with the task", "type": "string"},
                                "expires_at": {"description": "Datetime when this resource would be subject to removal", "type": ["null", "string"]},
                                "created_at": {"description": "Datetime when this resource was created", "type": "string"},
                                "updated_at": {"description": "Datetime when this resource was updated", "type": "string"},
                                "self":       {"readOnly": true, "type": "string"},
                                "schema":     {"readOnly": true, "type": "string"}
                            }
                        }
                    },
                    "schema": {"type": "string"}
                },
                "links": [{"rel": "describedby", "href": "{schema}"}]
            }
            """;

    @RegisterExtension
    static final ApiServer server = new ApiServer();

    private static List<String> propertyOrder(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void taskSchemaEqualsSpecDocument() {
        JsonNode body = ok(server.client().get("/v2/schemas/task", ADMIN_A), 200);
        assertThat(body).isEqualTo(parse(TASK));
    }

    @Test
    void taskSchemaPropertiesAppearInDefinitionOrder() {
        JsonNode body = ok(server.client().get("/v2/schemas/task", ADMIN_A), 200);
        assertThat(propertyOrder(body)).containsExactlyElementsOf(propertyOrder(parse(TASK)));
    }

    @Test
    void tasksSchemaEqualsSpecDocument() {
        JsonNode body = ok(server.client().get("/v2/schemas/tasks", ADMIN_A), 200);
        assertThat(body).isEqualTo(parse(TASKS));
    }

    @Test
    void tasksSchemaItemPropertiesAppearInDefinitionOrder() {
        JsonNode body = ok(server.client().get("/v2/schemas/tasks", ADMIN_A), 200);
        assertThat(propertyOrder(body.get("properties").get("tasks").get("items")))
                .containsExactlyElementsOf(propertyOrder(
                        parse(TASKS).get("properties").get("tasks").get("items")));
    }

    @Test
    void minimalFormsHaveNoAdditionalPropertiesRequiredOrLinksToPages() {
        JsonNode task = ok(server.client().get("/v2/schemas/task", ADMIN_A), 200);
        JsonNode tasks = ok(server.client().get("/v2/schemas/tasks", ADMIN_A), 200);
        for (JsonNode schema :
                List.of(task, tasks, tasks.get("properties").get("tasks").get("items"))) {
            assertThat(schema.has("additionalProperties")).isFalse();
            assertThat(schema.has("required")).isFalse();
        }
        assertThat(tasks.get("properties").has("first")).isFalse();
        assertThat(tasks.get("properties").has("next")).isFalse();
    }

    @Test
    void itemSchemaIsTheFullSchemaWithoutInputResultAndMessage() {
        JsonNode full = parse(TASK).get("properties").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) full).remove(List.of("input", "result", "message"));
        JsonNode tasks = ok(server.client().get("/v2/schemas/tasks", ADMIN_A), 200);
        assertThat(tasks.get("properties").get("tasks").get("items").get("properties"))
                .isEqualTo(full);
    }

    @Test
    void anyAuthenticatedCallerReadsTheSchemas() {
        assertThat(ok(server.client().get("/v2/schemas/task", MEMBER_A), 200)).isEqualTo(parse(TASK));
        assertThat(ok(server.client().get("/v2/schemas/tasks", Client.READER_B), 200))
                .isEqualTo(parse(TASKS));
    }

    @Test
    void schemasAreServedUnderVersionPrefixes() {
        assertThat(ok(server.client().get("/v2.0/schemas/task", ADMIN_A), 200)).isEqualTo(parse(TASK));
        assertThat(ok(server.client().get("/v2.12/schemas/tasks", ADMIN_A), 200))
                .isEqualTo(parse(TASKS));
    }

    @Test
    void taskSchemaTypeEnumMatchesWhatCreateAccepts() {
        JsonNode schema = ok(server.client().get("/v2/schemas/task", ADMIN_A), 200);
        for (JsonNode type : schema.get("properties").get("type").get("enum")) {
            String input = type.asText().equals("import") ? "{\"import_from\": \"http://example.com/x\"}" : "{}";
            ok(
                    server.client()
                            .post(
                                    "/v2/tasks",
                                    ADMIN_A,
                                    "{\"type\": \"" + type.asText() + "\", \"input\": " + input + "}"),
                    201);
        }
    }
}
