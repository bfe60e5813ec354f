package dev.loupe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.task.Task;
import dev.loupe.task.TaskPage;
import dev.loupe.task.TaskService;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** {@code /v2/tasks} and {@code /v2/tasks/{task_id}}: the request read, the service asked, the answer written. */
final class TaskResource {

    private final TaskService tasks;
    private final TaskViews views;
    private final RequestBody body;
    private final JsonResponder out;
    private final BaseUrl baseUrl;

    TaskResource(TaskService tasks, ObjectMapper json, RequestBody body, JsonResponder out, BaseUrl baseUrl) {
        this.baseUrl = baseUrl;
        this.tasks = tasks;
        this.views = new TaskViews(json);
        this.body = body;
        this.out = out;
    }

    void create(Context ctx) {
        TaskService.Creation created =
                tasks.create(Identity.of(ctx), () -> body.read(ctx), ctx.header("Idempotency-Key"));
        Task task = created.task();
        ctx.header("Location", baseUrl.of(ctx) + "/v2/tasks/" + task.id());
        if (created.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        out.send(ctx, 201, json -> views.full(task, json));
    }

    /** Loupe's extension, after Glance's action URLs ({@code /v2/images/{id}/actions/deactivate}): 204. */
    void cancel(Context ctx) {
        tasks.cancel(Identity.of(ctx), ctx.pathParam("task_id"), () -> body.readIfAny(ctx));
        ctx.status(204);
        ctx.res().setContentType(null);
    }

    void list(Context ctx) {
        List<Map.Entry<String, String>> params = QueryString.pairs(ctx.queryString());
        TaskPage page = tasks.list(Identity.of(ctx), params);
        Map<String, String> links = QueryString.lastValues(params);
        out.send(ctx, 200, json -> views.list(page, links, json));
    }

    void show(Context ctx) {
        Task task = tasks.show(Identity.of(ctx), ctx.pathParam("task_id"));
        out.send(ctx, 200, json -> views.full(task, json));
    }

    /** Tasks are never deleted by callers; upstream answers 405 to anyone allowed to use the API. */
    void delete(Context ctx) {
        tasks.requireAccess(Identity.of(ctx));
        throw HttpFailure.taskDeletion();
    }
}
