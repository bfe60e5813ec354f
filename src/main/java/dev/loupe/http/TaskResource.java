package dev.loupe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.policy.Policy;
import dev.loupe.task.Task;
import dev.loupe.task.TaskListRequest;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskService;
import io.javalin.http.Context;

import java.util.List;
import java.util.Map;

/** {@code /v2/tasks} and {@code /v2/tasks/{task_id}}: policy first, then the service, then the view. */
final class TaskResource {

    private static final String ACCESS = "tasks_api_access";

    private final TaskService tasks;
    private final Policy policy;
    private final TaskViews views;
    private final RequestBody body;
    private final JsonResponder out;
    private final BaseUrl baseUrl;

    TaskResource(TaskService tasks, Policy policy, ObjectMapper json, RequestBody body, JsonResponder out,
                 BaseUrl baseUrl) {
        this.baseUrl = baseUrl;
        this.tasks = tasks;
        this.policy = policy;
        this.views = new TaskViews(json);
        this.body = body;
        this.out = out;
    }

    void create(Context ctx) {
        Identity identity = Identity.of(ctx);
        identity.require(policy, ACCESS);
        JsonNode request = body.read(ctx);
        Task task = tasks.create(identity.caller(), request);
        ctx.header("Location", baseUrl.of(ctx) + "/v2/tasks/" + task.id());
        out.send(ctx, 201, views.full(task));
    }

    void list(Context ctx) {
        Identity identity = Identity.of(ctx);
        identity.require(policy, ACCESS);
        List<Map.Entry<String, String>> params = QueryString.pairs(ctx.queryString());
        TaskPage page = tasks.list(identity.caller(), TaskListRequest.parse(params));
        out.send(ctx, 200, views.list(page, QueryString.lastValues(params)));
    }

    void show(Context ctx) {
        Identity identity = Identity.of(ctx);
        identity.require(policy, ACCESS);
        out.send(ctx, 200, views.full(tasks.show(identity.caller(), ctx.pathParam("task_id"))));
    }

    /** Tasks are never deleted by callers; upstream answers 405 to anyone allowed to use the API. */
    void delete(Context ctx) {
        Identity.of(ctx).require(policy, ACCESS);
        throw HttpFailure.taskDeletion();
    }
}
