package dev.loupe.task;

import java.time.Instant;

/** What a list shows of a task: never its input, result or message. */
public record TaskSummary(
        String id,
        TaskType type,
        TaskStatus status,
        String owner,
        Instant createdAt,
        Instant updatedAt,
        Instant expiresAt) {}
