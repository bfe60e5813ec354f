package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;

/**
 * A task as stored. Immutable: a status change yields a new Task, and only through {@link #moveTo}, which asks
 * {@link TaskStatus} whether the move is allowed and sets {@code expires_at} on entering a terminal state.
 *
 * @param input   the create request's input, verbatim (may be a JSON null)
 * @param result  JSON object or null
 * @param message never null; empty when there is nothing to say
 */
public record Task(String id, TaskType type, TaskStatus status, String owner, JsonNode input, JsonNode result,
                   String message, Instant createdAt, Instant updatedAt, Instant expiresAt, String imageId,
                   String requestId, String userId, boolean deleted, Instant deletedAt) {

    public Task {
        message = message == null ? "" : message;
    }

    public static Task create(String id, TaskType type, String owner, JsonNode input, String imageId,
                              String requestId, String userId, Instant now) {
        return new Task(id, type, TaskStatus.PENDING, owner, input, null, "", now, now, null, imageId, requestId,
                userId, false, null);
    }

    public Task beginProcessing(Instant now) {
        return moveTo(TaskStatus.PROCESSING, result, message, now, null);
    }

    public Task succeed(JsonNode taskResult, Instant now, Duration timeToLive) {
        return moveTo(TaskStatus.SUCCESS, taskResult, message, now, timeToLive);
    }

    public Task fail(String failureMessage, Instant now, Duration timeToLive) {
        return moveTo(TaskStatus.FAILURE, result, failureMessage, now, timeToLive);
    }

    private Task moveTo(TaskStatus next, JsonNode newResult, String newMessage, Instant now, Duration timeToLive) {
        if (!status.canMoveTo(next)) {
            throw new TaskStatus.IllegalTransition(status, next);
        }
        Instant expiry = next.isTerminal() ? now.plus(timeToLive) : null;
        return new Task(id, type, next, owner, input, newResult, newMessage, createdAt, now, expiry, imageId,
                requestId, userId, deleted, deletedAt);
    }

    public TaskSummary summary() {
        return new TaskSummary(id, type, status, owner, createdAt, updatedAt, expiresAt);
    }
}
