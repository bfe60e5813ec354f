package dev.loupe.engine;

import dev.loupe.task.Task;
import java.util.function.Consumer;

/** One attempt at a task, as its handler sees it. */
public final class TaskRun {

    private final Task task;
    private final Consumer<String> progress;

    /**
     * @param task     the task as claimed: status {@code processing}, {@code attempts} counting this one
     * @param progress writes the task's {@code message} while it runs
     */
    public TaskRun(Task task, Consumer<String> progress) {
        this.task = task;
        this.progress = progress;
    }

    public Task task() {
        return task;
    }

    /**
     * Shows users how far the task got, in its {@code message} (C15). Best effort: a failed write is logged, never
     * thrown, and the message is replaced by the outcome when the task ends.
     */
    public void progress(String message) {
        progress.accept(message);
    }
}
