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
}
