package dev.loupe.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.Isotime;
import dev.loupe.task.StoredJson;
import dev.loupe.task.Task;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Upstream's representations: the full task view, the list stub and the list envelope with its links. Written
 * straight to the answer's generator, key by key in upstream's order, with no tree built in between: every show and
 * list answer is one of these.
 */
final class TaskViews {

    private final ObjectMapper json;

    TaskViews(ObjectMapper json) {
        this.json = json;
    }

    /** Optional keys appear only when they have a value; {@code expires_at} only once the task has finished. */
    void full(Task task, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("id", task.id());
        out.writeFieldName("input");
        value(task.storedInput(), out);
        out.writeStringField("type", task.type().wire());
        out.writeStringField("status", task.status().wire());
        out.writeStringField("owner", task.owner());
        out.writeStringField("message", task.message());
        out.writeFieldName("result");
        value(task.storedResult(), out);
        out.writeStringField("created_at", Isotime.format(task.createdAt()));
        out.writeStringField("updated_at", Isotime.format(task.updatedAt()));
        out.writeStringField("self", "/v2/tasks/" + task.id());
        out.writeStringField("schema", "/v2/schemas/task");
        writeIfSet(out, "image_id", task.imageId());
        writeIfSet(out, "request_id", task.requestId());
        writeIfSet(out, "user_id", task.userId());
        if (task.expiresAt() != null) {
            out.writeStringField("expires_at", Isotime.format(task.expiresAt()));
        }
        out.writeEndObject();
    }

    void stub(TaskSummary task, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("id", task.id());
        out.writeStringField("type", task.type().wire());
        out.writeStringField("status", task.status().wire());
        out.writeStringField("owner", task.owner());
        out.writeStringField("created_at", Isotime.format(task.createdAt()));
        out.writeStringField("updated_at", Isotime.format(task.updatedAt()));
        out.writeStringField("self", "/v2/tasks/" + task.id());
        out.writeStringField("schema", "/v2/schemas/task");
        if (task.expiresAt() != null) {
            out.writeStringField("expires_at", Isotime.format(task.expiresAt()));
        }
        out.writeEndObject();
    }

    /**
     * @param params the request's parameters, each once with its last value, in order of first appearance
     */
    void list(TaskPage page, Map<String, String> params, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("tasks");
        for (TaskSummary task : page.tasks()) {
            stub(task, out);
        }
        out.writeEndArray();
        List<Map.Entry<String, String>> links = new ArrayList<>();
        params.forEach((k, v) -> {
            if (!k.equals("marker")) {
                links.add(Map.entry(k, v));
            }
        });
        out.writeStringField("first", "/v2/tasks" + QueryString.urlencode(links));
        out.writeStringField("schema", "/v2/schemas/tasks");
        if (page.full() && !page.tasks().isEmpty()) {
            links.add(Map.entry("marker", page.tasks().getLast().id()));
            out.writeStringField("next", "/v2/tasks" + QueryString.urlencode(links));
        }
        out.writeEndObject();
    }

    /**
     * A JSON value as stored; none is written as null. Stored text that writing its tree would give again is copied
     * as it is, without building the tree.
     */
    private void value(StoredJson value, JsonGenerator out) throws IOException {
        if (value == null) {
            out.writeNull();
            return;
        }
        String text = value.canonicalText();
        if (text != null) {
            out.writeRawValue(text);
        } else {
            json.writeTree(out, value.node());
        }
    }

    private static void writeIfSet(JsonGenerator out, String key, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            out.writeStringField(key, value);
        }
    }
}
