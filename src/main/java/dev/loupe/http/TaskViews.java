package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.compat.Isotime;
import dev.loupe.task.Task;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Upstream's representations: the full task view, the list stub and the list envelope with its links. */
final class TaskViews {

    private final ObjectMapper json;

    TaskViews(ObjectMapper json) {
        this.json = json;
    }

    /** Optional keys appear only when they have a value; {@code expires_at} only once the task has finished. */
    ObjectNode full(Task task) {
        ObjectNode view = json.createObjectNode();
        view.put("id", task.id());
        view.set("input", task.input());
        view.put("type", task.type().wire());
        view.put("status", task.status().wire());
        view.put("owner", task.owner());
        view.put("message", task.message());
        view.set("result", task.result());
        view.put("created_at", Isotime.format(task.createdAt()));
        view.put("updated_at", Isotime.format(task.updatedAt()));
        view.put("self", "/v2/tasks/" + task.id());
        view.put("schema", "/v2/schemas/task");
        putIfSet(view, "image_id", task.imageId());
        putIfSet(view, "request_id", task.requestId());
        putIfSet(view, "user_id", task.userId());
        if (task.expiresAt() != null) {
            view.put("expires_at", Isotime.format(task.expiresAt()));
        }
        return view;
    }

    ObjectNode stub(TaskSummary task) {
        ObjectNode view = json.createObjectNode();
        view.put("id", task.id());
        view.put("type", task.type().wire());
        view.put("status", task.status().wire());
        view.put("owner", task.owner());
        view.put("created_at", Isotime.format(task.createdAt()));
        view.put("updated_at", Isotime.format(task.updatedAt()));
        view.put("self", "/v2/tasks/" + task.id());
        view.put("schema", "/v2/schemas/task");
        if (task.expiresAt() != null) {
            view.put("expires_at", Isotime.format(task.expiresAt()));
        }
        return view;
    }

    /**
     * @param params the request's parameters, each once with its last value, in order of first appearance
     */
    ObjectNode list(TaskPage page, Map<String, String> params) {
        ObjectNode view = json.createObjectNode();
        ArrayNode tasks = view.putArray("tasks");
        page.tasks().forEach(t -> tasks.add(stub(t)));
        List<Map.Entry<String, String>> links = new ArrayList<>();
        params.forEach((k, v) -> {
            if (!k.equals("marker")) {
                links.add(Map.entry(k, v));
            }
        });
        view.put("first", "/v2/tasks" + QueryString.urlencode(links));
        view.put("schema", "/v2/schemas/tasks");
        if (page.full() && !page.tasks().isEmpty()) {
            links.add(Map.entry("marker", page.tasks().getLast().id()));
            view.put("next", "/v2/tasks" + QueryString.urlencode(links));
        }
        return view;
    }

    private static void putIfSet(ObjectNode view, String key, String value) {
        if (value != null && !value.isEmpty()) {
            view.put(key, value);
        }
    }
}
