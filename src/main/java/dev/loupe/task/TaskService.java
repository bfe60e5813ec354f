package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loupe.LoupeException.Forbidden;
import dev.loupe.LoupeException.InvalidInput;
import dev.loupe.LoupeException.NotFound;
import dev.loupe.imports.ImageRequest;
import dev.loupe.imports.ImportUriFilter;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/** Creates, lists, shows and expires tasks, with upstream's rules of visibility and validation. */
public final class TaskService {

    private static final int MAX_IMAGE_ID_LENGTH = 255;

    private final TaskRepository repository;
    private final TaskSchema schema;
    private final ImportUriFilter importFilter;
    private final Clock clock;
    private final int defaultLimit;
    private final int maxLimit;
    private final Runnable taskCreated;

    /** @param taskCreated told after each new task is committed, so a local worker can claim it at once */
    public TaskService(TaskRepository repository, TaskSchema schema, ImportUriFilter importFilter, Clock clock,
                       int defaultLimit, int maxLimit, Runnable taskCreated) {
        this.repository = repository;
        this.schema = schema;
        this.importFilter = importFilter;
        this.clock = clock;
        this.defaultLimit = defaultLimit;
        this.maxLimit = maxLimit;
        this.taskCreated = taskCreated;
    }

    /** @param body the parsed request body: an object or an array (anything else was refused while parsing) */
    public Task create(Caller caller, JsonNode body) {
        if (!body.has("type")) {
            throw new InvalidInput("Task 'type' is required");
        }
        if (!body.has("input")) {
            throw new InvalidInput("Task 'input' is required");
        }
        schema.validate(body);
        TaskType type = TaskType.fromWire(body.get("type").textValue()).orElseThrow();
        JsonNode input = body.get("input");
        if (type == TaskType.IMPORT) {
            importFilter.check(input.isObject() ? input.get("import_from") : NullNode.getInstance());
        }
        if (caller.projectId() == null) {
            throw new Forbidden("A task belongs to a project: the request's identity carries no project"
                    + " (X-Project-Id or X-Tenant-Id).");
        }
        if (type == TaskType.IMPORT) {
            ImageRequest.authorize(input, caller.projectId(), caller.admin());
        }
        Task task = Task.create(UUID.randomUUID().toString(), type, caller.projectId(), input, imageId(input),
                caller.requestId(), caller.userId(), now());
        repository.insert(task);
        taskCreated.run();
        return task;
    }

    /** {@code input.image_id} is copied to the task, as upstream does; it must fit its column. */
    private static String imageId(JsonNode input) {
        JsonNode imageId = input.isObject() ? input.get("image_id") : null;
        if (imageId == null || !imageId.isTextual() || imageId.textValue().isEmpty()) {
            return null;
        }
        if (imageId.textValue().indexOf('\0') >= 0) {
            throw new InvalidInput("Input 'image_id' contains a NUL character");
        }
        if (imageId.textValue().length() > MAX_IMAGE_ID_LENGTH) {
            throw new InvalidInput("Input 'image_id' is longer than " + MAX_IMAGE_ID_LENGTH + " characters");
        }
        return imageId.textValue();
    }

    public Task show(Caller caller, String id) {
        if (id.indexOf('\0') >= 0) {
            throw new NotFound("Could not find task " + id);
        }
        return repository.find(id)
                .filter(task -> caller.admin() || !task.deleted() && task.owner().equals(caller.projectId()))
                .orElseThrow(() -> new NotFound("Could not find task " + id));
    }

    /** A page of tasks; admins see every project's, others their own project's. */
    public TaskPage list(Caller caller, TaskListRequest request) {
        int limit = Math.min(request.limit() == null ? defaultLimit : request.limit(), maxLimit);
        Task marker = null;
        if (request.marker() != null) {
            marker = repository.find(request.marker())
                    .filter(m -> caller.admin() || !m.deleted())
                    .orElseThrow(() -> new InvalidInput("Task with the given id " + request.marker()
                            + " was not found"));
            if (!caller.admin() && !marker.owner().equals(caller.projectId())) {
                throw new Forbidden("Forbidding request, task " + request.marker() + " is not visible");
            }
        }
        request.requireValidSortKey();
        if (limit == 0 || !caller.admin() && caller.projectId() == null) {
            return new TaskPage(List.of(), false);
        }
        List<TaskSummary> tasks = repository.page(request, caller.admin() ? null : caller.projectId(), marker,
                limit);
        return new TaskPage(tasks, tasks.size() == limit);
    }

    public int expire() {
        return repository.softDeleteExpired(now());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
