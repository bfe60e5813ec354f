package dev.loupe.task;

/**
 * Who is asking, as far as the task service cares.
 *
 * @param projectId null when the identity carries no project
 * @param requestId stored on the tasks this caller creates
 * @param admin     admins see every project's tasks and soft-deleted ones
 */
public record Caller(String projectId, String userId, String requestId, boolean admin) {
}
