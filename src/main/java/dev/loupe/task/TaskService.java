package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loupe.compat.ListSettings;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.policy.Caller;
import dev.loupe.policy.Policy;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, lists, shows and expires tasks, with upstream's rules of access, visibility and validation. Every call
 * checks {@code tasks_api_access} first, before the request's body or parameters are read.
 */
public final class TaskService {

    private static final String ACCESS = "tasks_api_access";
    private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);
    private static final int MAX_IMAGE_ID_LENGTH = 255;
    private static final int EXPIRY_BATCH = 1000;

    private final TaskRepository repository;
    private final TaskSchema schema;
    private final Admissions admissions;
    private final Policy policy;
    private final Clock clock;
    private final ListSettings lists;
    private final Runnable taskCreated;

    /** @param taskCreated told after each new task is committed, so a local worker can claim it at once */
    public TaskService(
            TaskRepository repository,
            TaskSchema schema,
            Admissions admissions,
            Policy policy,
            Clock clock,
            ListSettings lists,
            Runnable taskCreated) {
        this.repository = repository;
        this.schema = schema;
        this.admissions = admissions;
        this.policy = policy;
        this.clock = clock;
        this.lists = lists;
        this.taskCreated = taskCreated;
    }

    /** Throws 403 unless the caller may use the Tasks API at all. */
    public void requireAccess(Caller caller) {
        policy.enforce(ACCESS, caller);
    }

    /**
     * @param body reads the request body: an object or an array (anything else is refused while reading); read only
     *             once the caller passed the policy
     */
    public Task create(Caller caller, Supplier<JsonNode> body) {
        requireAccess(caller);
        JsonNode request = body.get();
        if (!request.has("type")) {
            throw new InvalidInput("Task 'type' is required");
        }
        if (!request.has("input")) {
            throw new InvalidInput("Task 'input' is required");
        }
        schema.validate(request);
        TaskType type = TaskType.fromWire(request.get("type").textValue()).orElseThrow();
        JsonNode input = request.get("input");
        TaskAdmission admission = admissions.forType(type).orElse(null);
        if (admission != null) {
            admission.checkInput(input);
        }
        if (caller.projectId() == null) {
            throw new Forbidden("A task belongs to a project: the request's identity carries no project"
                    + " (X-Project-Id or X-Tenant-Id).");
        }
        if (admission != null) {
            admission.authorize(caller, input);
        }
        Task task = Task.create(
                UUID.randomUUID().toString(),
                type,
                caller.projectId(),
                input,
                imageId(input),
                caller.requestId(),
                caller.userId(),
                now());
        repository.insert(task);
        taskCreated.run();
        return task;
    }

    /** {@code input.image_id} is copied to the task, as upstream does; it must fit its column. */
    private static String imageId(JsonNode input) {
        JsonNode imageId = input.isObject() ? input.get("image_id") : NullNode.getInstance();
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
        requireAccess(caller);
        if (id.indexOf('\0') >= 0) {
            throw new NotFound("Could not find task " + id);
        }
        return repository
                .find(id)
                .filter(task ->
                        caller.admin() || !task.deleted() && task.owner().equals(caller.projectId()))
                .orElseThrow(() -> new NotFound("Could not find task " + id));
    }

    /**
     * A page of tasks; admins see every project's, others their own project's.
     *
     * @param params the query string's pairs, in order
     */
    public TaskPage list(Caller caller, List<Map.Entry<String, String>> params) {
        requireAccess(caller);
        TaskListRequest request = TaskListRequest.parse(params);
        int limit = lists.pageSize(request.limit());
        Task marker = null;
        if (request.marker() != null) {
            marker = repository
                    .find(request.marker())
                    .filter(m -> caller.admin() || !m.deleted())
                    .orElseThrow(
                            () -> new InvalidInput("Task with the given id " + request.marker() + " was not found"));
            if (!caller.admin() && !marker.owner().equals(caller.projectId())) {
                throw new Forbidden("Forbidding request, task " + request.marker() + " is not visible");
            }
        }
        TaskField sortBy = request.sortField();
        if (limit == 0 || !caller.admin() && caller.projectId() == null) {
            return new TaskPage(List.of(), false);
        }
        List<TaskSummary> tasks =
                repository.page(request, sortBy, caller.admin() ? null : caller.projectId(), marker, limit);
        return new TaskPage(tasks, tasks.size() == limit);
    }

    /**
     * Soft-deletes the expired tasks of every project, in bounded batches so no transaction holds the table long:
     * a periodic job, on one node at a time.
     */
    public void expire() {
        Instant now = now();
        int expired = 0;
        int batch;
        do {
            batch = repository.softDeleteExpired(now, EXPIRY_BATCH);
            expired += batch;
        } while (batch == EXPIRY_BATCH);
        if (expired > 0) {
            LOG.info("Soft-deleted {} expired task(s)", expired);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
