package dev.loupe.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.Isotime;
import dev.loupe.task.StoredJson;
import dev.loupe.task.Task;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskStatus;
import dev.loupe.task.TaskSummary;
import dev.loupe.task.TaskType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Upstream's representations: the full task view, the list stub and the list envelope with its links. Written
 * straight to the answer's generator, key by key in upstream's order, with no tree built in between: every show and
 * list answer is one of these.
 */
final class TaskViews {

    // Keys and fixed values with their JSON text made once: written as bytes, not character by character.
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString INPUT = new SerializedString("input");
    private static final SerializedString TYPE = new SerializedString("type");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString OWNER = new SerializedString("owner");
    private static final SerializedString MESSAGE = new SerializedString("message");
    private static final SerializedString RESULT = new SerializedString("result");
    private static final SerializedString CREATED_AT = new SerializedString("created_at");
    private static final SerializedString UPDATED_AT = new SerializedString("updated_at");
    private static final SerializedString SELF = new SerializedString("self");
    private static final SerializedString SCHEMA = new SerializedString("schema");
    private static final SerializedString IMAGE_ID = new SerializedString("image_id");
    private static final SerializedString REQUEST_ID = new SerializedString("request_id");
    private static final SerializedString USER_ID = new SerializedString("user_id");
    private static final SerializedString EXPIRES_AT = new SerializedString("expires_at");
    private static final SerializedString TASK_SCHEMA = new SerializedString("/v2/schemas/task");
    private static final Map<TaskType, SerializedString> TYPES = wire(TaskType.class, TaskType::wire);
    private static final Map<TaskStatus, SerializedString> STATUSES = wire(TaskStatus.class, TaskStatus::wire);

    private final ObjectMapper json;

    TaskViews(ObjectMapper json) {
        this.json = json;
    }

    /** Optional keys appear only when they have a value; {@code expires_at} only once the task has finished. */
    void full(Task task, JsonGenerator out) throws IOException {
        out.writeStartObject();
        field(out, ID, task.id());
        out.writeFieldName(INPUT);
        value(task.storedInput(), out);
        out.writeFieldName(TYPE);
        out.writeString(TYPES.get(task.type()));
        out.writeFieldName(STATUS);
        out.writeString(STATUSES.get(task.status()));
        field(out, OWNER, task.owner());
        field(out, MESSAGE, task.message());
        out.writeFieldName(RESULT);
        value(task.storedResult(), out);
        field(out, CREATED_AT, Isotime.format(task.createdAt()));
        field(out, UPDATED_AT, Isotime.format(task.updatedAt()));
        field(out, SELF, "/v2/tasks/" + task.id());
        out.writeFieldName(SCHEMA);
        out.writeString(TASK_SCHEMA);
        writeIfSet(out, IMAGE_ID, task.imageId());
        writeIfSet(out, REQUEST_ID, task.requestId());
        writeIfSet(out, USER_ID, task.userId());
        if (task.expiresAt() != null) {
            field(out, EXPIRES_AT, Isotime.format(task.expiresAt()));
        }
        out.writeEndObject();
    }

    void stub(TaskSummary task, JsonGenerator out) throws IOException {
        out.writeStartObject();
        field(out, ID, task.id());
        out.writeFieldName(TYPE);
        out.writeString(TYPES.get(task.type()));
        out.writeFieldName(STATUS);
        out.writeString(STATUSES.get(task.status()));
        field(out, OWNER, task.owner());
        field(out, CREATED_AT, Isotime.format(task.createdAt()));
        field(out, UPDATED_AT, Isotime.format(task.updatedAt()));
        field(out, SELF, "/v2/tasks/" + task.id());
        out.writeFieldName(SCHEMA);
        out.writeString(TASK_SCHEMA);
        if (task.expiresAt() != null) {
            field(out, EXPIRES_AT, Isotime.format(task.expiresAt()));
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

    private static void writeIfSet(JsonGenerator out, SerializedString key, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            field(out, key, value);
        }
    }

    private static void field(JsonGenerator out, SerializedString key, String value) throws IOException {
        out.writeFieldName(key);
        out.writeString(value);
    }

    private static <E extends Enum<E>> Map<E, SerializedString> wire(Class<E> type, Function<E, String> wire) {
        Map<E, SerializedString> names = new EnumMap<>(type);
        for (E value : type.getEnumConstants()) {
            names.put(value, new SerializedString(wire.apply(value)));
        }
        return names;
    }
}
