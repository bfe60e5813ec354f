package dev.loupe.engine;

import com.fasterxml.jackson.databind.JsonNode;

/** The work behind one task type. */
public interface TaskHandler {

    /**
     * Does the task's work.
     *
     * @return the task's result (a JSON object, or null for none) when it succeeded
     * @throws TaskFailure with a message that tells the user what went wrong; any other exception fails the task
     *                     with a message naming the error
     */
    JsonNode run(TaskRun run) throws Exception;

    /** Whether a run that was cut off (its worker died) may be started over from the beginning. */
    boolean safeToRetry();

    /**
     * Removes what a run that was cut off left behind (rows, files), before the task is started over or failed.
     * Called on whichever node recovers the task; it must tolerate finding nothing.
     */
    default void abandon(dev.loupe.task.Task task) throws Exception {}

    /**
     * Removes what runs of ended tasks left behind because their own cleanup failed (the database or a store was
     * down at that moment). Called on every node about once a lease period.
     */
    default void sweep() throws Exception {}

    /**
     * What the log lines of a run of this task say about it besides the task id, project and request id (for an
     * import, its source host): SLF4J MDC keys and values, set while the task runs.
     */
    default java.util.Map<String, String> logContext(dev.loupe.task.Task task) {
        return java.util.Map.of();
    }
}
