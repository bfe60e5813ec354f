package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loupe.compat.ListSettings;
import dev.loupe.failure.LoupeException.Conflict;
import dev.loupe.failure.LoupeException.Forbidden;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.NotFound;
import dev.loupe.failure.LoupeException.Unprocessable;
import dev.loupe.policy.Caller;
import dev.loupe.policy.Policy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private static final String CANCEL = "cancel_task";
    private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
    private static final int MAX_REASON_LENGTH = 255;
    private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);
    private static final int MAX_IMAGE_ID_LENGTH = 255;
    private static final int EXPIRY_BATCH = 1000;

    private final TaskRepository repository;
    private final TaskSchema schema;
    private final Admissions admissions;
    private final Policy policy;
    private final Clock clock;
    private final ListSettings lists;
    private final Duration timeToLive;
    private final Runnable taskCreated;

    /**
     * @param timeToLive  how long a task is kept once it ended (a cancelled pending task ends here)
     * @param taskCreated told after each new task is committed, so a local worker can claim it at once
     */
    public TaskService(
            TaskRepository repository,
            TaskSchema schema,
            Admissions admissions,
            Policy policy,
            Clock clock,
            ListSettings lists,
            Duration timeToLive,
            Runnable taskCreated) {
        this.repository = repository;
        this.schema = schema;
        this.admissions = admissions;
        this.policy = policy;
        this.clock = clock;
        this.lists = lists;
        this.timeToLive = timeToLive;
        this.taskCreated = taskCreated;
    }

    /**
     * A task a create answered with.
     *
     * @param replayed the create repeated an earlier one's Idempotency-Key and body: the task is the earlier one's
     */
    public record Creation(Task task, boolean replayed) {}

    /** Throws 403 unless the caller may use the Tasks API at all. */
    public void requireAccess(Caller caller) {
        policy.enforce(ACCESS, caller);
    }

    /**
     * @param body           reads the request body: an object or an array (anything else is refused while reading);
     *                       read only once the caller passed the policy
     * @param idempotencyKey the request's Idempotency-Key, or null: a repeat of a create with the same key and body
     *                       gets the task the first one made, in its current state
     */
    public Creation create(Caller caller, Supplier<JsonNode> body, String idempotencyKey) {
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
        checkIdempotencyKey(idempotencyKey);
        Task task = Task.create(
                UUID.randomUUID().toString(),
                type,
                caller.projectId(),
                input,
                imageId(input),
                caller.requestId(),
                caller.userId(),
                now());
        // A repeat that lost the race to the first create finds its task; one made and gone meanwhile (expired and
        // purged) frees the key, so the insert is tried once more.
        for (int attempt = 0; attempt < 2; attempt++) {
            if (repository.insert(task, idempotencyKey)) {
                taskCreated.run();
                return new Creation(task, false);
            }
            Optional<Task> earlier = repository.findByIdempotencyKey(caller.projectId(), idempotencyKey);
            if (earlier.isPresent()) {
                if (earlier.get().type() != type || !earlier.get().input().equals(input)) {
                    throw new Unprocessable("Idempotency-Key '" + idempotencyKey + "' was used for another request"
                            + " (task " + earlier.get().id() + "); a repeat must carry the same body");
                }
                return new Creation(earlier.get(), true);
            }
        }
        throw new IllegalStateException("Idempotency-Key " + idempotencyKey + " neither inserts nor finds a task");
    }

    /**
     * Queues a task a service makes on a caller's behalf (the interoperable import's {@code api_image_import}): no
     * Tasks API policy, no admission, as upstream's image import creates its task.
     */
    public Task submit(Task task) {
        if (!repository.insert(task, null)) {
            throw new IllegalStateException("Task " + task.id() + " could not be inserted");
        }
        taskCreated.run();
        return task;
    }

    private static void checkIdempotencyKey(String key) {
        if (key == null) {
            return;
        }
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH || key.indexOf('\0') >= 0) {
            throw new InvalidInput(
                    "Idempotency-Key must have 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters and no NUL");
        }
    }

    /**
     * Cancels a task (Loupe's extension, policy rule {@code cancel_task}): a pending task ends at once, a processing
     * one within a heartbeat on whichever node runs it, in failure with a message naming who cancelled it and why.
     *
     * @param body reads the optional request body {@code {"reason": "..."}}; null when there is none
     * @throws Conflict when the task has already ended
     */
    public void cancel(Caller caller, String id, Supplier<JsonNode> body) {
        policy.enforce(CANCEL, caller);
        String reason = reason(body.get());
        Task task = show(caller, id);
        String message = "Cancelled by " + (caller.userId() == null ? "a user" : "user " + caller.userId())
                + " of project " + caller.projectId() + (reason == null ? "" : ": " + reason);
        Instant now = now();
        boolean cancelled = switch (task.status()) {
            case PENDING ->
                repository.failPending(id, message, now, now.plus(timeToLive)) || repository.requestCancel(id, message);
            case PROCESSING -> repository.requestCancel(id, message);
            case SUCCESS, FAILURE -> false;
        };
        if (!cancelled) {
            Task ended = repository.find(id).orElse(task);
            throw new Conflict(
                    "Task " + id + " has already ended (" + ended.status().wire() + "); it cannot be" + " cancelled");
        }
        LOG.info("Task {}: {}", id, message);
    }

    private static String reason(JsonNode body) {
        if (body == null) {
            return null;
        }
        if (!body.isObject()) {
            throw new InvalidInput("A cancel's body is an object: {\"reason\": \"...\"}");
        }
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!field.getKey().equals("reason")) {
                throw new InvalidInput("A cancel's body takes only 'reason', not '" + field.getKey() + "'");
            }
        }
        JsonNode reason = body.get("reason");
        if (reason == null || reason.isNull()) {
            return null;
        }
        if (!reason.isTextual()
                || reason.textValue().length() > MAX_REASON_LENGTH
                || reason.textValue().indexOf('\0') >= 0) {
            throw new InvalidInput(
                    "A cancel's 'reason' is a string of at most " + MAX_REASON_LENGTH + " characters, without NUL");
        }
        return reason.textValue();
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
