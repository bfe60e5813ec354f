package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;

/**
 * A task as stored. Immutable: a status change yields a new Task, and only through {@link #moveTo}, which asks
 * {@link TaskStatus} whether the move is allowed and sets {@code expires_at} on entering a terminal state.
 *
 * @param storedInput  the create request's input, verbatim (may be a JSON null); {@link #input()} is its tree
 * @param storedResult JSON object or null; {@link #result()} is its tree
 * @param message  never null; empty when there is nothing to say
 * @param attempts how many times a worker has started it
 * @param version  the row's version when read; every write checks it, so a stale copy can never be written back
 * @param cancelRequest the message a caller's cancel of the running task ends it with; null when none was asked
 */
public record Task(
        String id,
        TaskType type,
        TaskStatus status,
        String owner,
        StoredJson storedInput,
        StoredJson storedResult,
        String message,
        Instant createdAt,
        Instant updatedAt,
        Instant expiresAt,
        String imageId,
        String requestId,
        String userId,
        boolean deleted,
        Instant deletedAt,
        int attempts,
        long version,
        String cancelRequest) {

    public Task {
        message = message == null ? "" : message;
    }

    /** The input's tree (may be a JSON null node); null when there is none. */
    public JsonNode input() {
        return storedInput == null ? null : storedInput.node();
    }

    /** The result's tree; null when there is none. */
    public JsonNode result() {
        return storedResult == null ? null : storedResult.node();
    }

    public static Task create(
            String id,
            TaskType type,
            String owner,
            JsonNode input,
            String imageId,
            String requestId,
            String userId,
            Instant now) {
        return new Task(
                id,
                type,
                TaskStatus.PENDING,
                owner,
                StoredJson.of(input),
                null,
                "",
                now,
                now,
                null,
                imageId,
                requestId,
                userId,
                false,
                null,
                0,
                0,
                null);
    }

    /**
     * A worker starts the first attempt: what the engine store's claim does, in one statement, to each task it
     * takes.
     */
    public Task beginProcessing(Instant now) {
        mayMoveTo(TaskStatus.PROCESSING);
        return with(TaskStatus.PROCESSING, storedResult, message, now, null, attempts + 1, version);
    }

    /**
     * A worker starts the task over after the one running it stopped: still processing, one more attempt, and a
     * clean message.
     */
    public Task retry(Instant now) {
        if (status != TaskStatus.PROCESSING) {
            throw new IllegalStateException("only a processing task can be retried, not a " + status.wire() + " one");
        }
        // Each attempt starts with a clean message: the last one's progress says nothing about this one.
        return with(status, storedResult, "", now, expiresAt, attempts + 1, version);
    }

    /** The same task as stored under a new row version. */
    public Task withVersion(long newVersion) {
        return with(status, storedResult, message, updatedAt, expiresAt, attempts, newVersion);
    }

    public Task succeed(JsonNode taskResult, Instant now, Duration timeToLive) {
        return moveTo(TaskStatus.SUCCESS, StoredJson.of(taskResult), message, now, timeToLive);
    }

    /** Succeeds with {@code finalMessage} as the task's message. */
    public Task succeed(JsonNode taskResult, String finalMessage, Instant now, Duration timeToLive) {
        return moveTo(TaskStatus.SUCCESS, StoredJson.of(taskResult), finalMessage, now, timeToLive);
    }

    public Task fail(String failureMessage, Instant now, Duration timeToLive) {
        return moveTo(TaskStatus.FAILURE, storedResult, failureMessage, now, timeToLive);
    }

    private Task moveTo(TaskStatus next, StoredJson newResult, String newMessage, Instant now, Duration timeToLive) {
        mayMoveTo(next);
        Instant expiry = next.isTerminal() ? now.plus(timeToLive) : null;
        return with(next, newResult, newMessage, now, expiry, attempts, version);
    }

    private void mayMoveTo(TaskStatus next) {
        if (!status.canMoveTo(next)) {
            throw new TaskStatus.IllegalTransition(status, next);
        }
    }

    /** This task with what a change of state changes; the rest (id, owner, input, ...) as it is. */
    private Task with(
            TaskStatus newStatus,
            StoredJson newResult,
            String newMessage,
            Instant newUpdatedAt,
            Instant newExpiresAt,
            int newAttempts,
            long newVersion) {
        return new Task(
                id,
                type,
                newStatus,
                owner,
                storedInput,
                newResult,
                newMessage,
                createdAt,
                newUpdatedAt,
                newExpiresAt,
                imageId,
                requestId,
                userId,
                deleted,
                deletedAt,
                newAttempts,
                newVersion,
                cancelRequest);
    }
}
