package dev.loupe.engine;

import dev.loupe.task.Task;

/**
 * One attempt at a task, as its handler sees it.
 *
 * @param task the task as claimed: status {@code processing}, {@code attempts} counting this one
 */
public record TaskRun(Task task) {
}
