package dev.loupe.engine;

import dev.loupe.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at a task, as its handler sees it. The engine cancels a run when a caller cancels the task, when another
 * node has taken it over, or when the server stops in a hurry: the handler then stops and removes what this run
 * wrote, and the engine decides what becomes of the task (see {@link Cancellation}).
 */
public final class TaskRun {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRun.class);

    private final Task task;
    private final String leaseOwner;
    private final Consumer<String> progress;
    private final List<Runnable> onCancel = new ArrayList<>();
    private Cancellation cancelled;
    private volatile String outcome;

    /**
     * @param task       the task as claimed: status {@code processing}, {@code attempts} counting this one
     * @param leaseOwner the node that holds the task's lease for this run
     * @param progress   writes the task's {@code message} while it runs
     */
    public TaskRun(Task task, String leaseOwner, Consumer<String> progress) {
        this.task = task;
        this.leaseOwner = leaseOwner;
        this.progress = progress;
    }

    public Task task() {
        return task;
    }

    /**
     * The node that runs this attempt. A handler's final write of its own (an image made active) checks that the
     * task's lease is still this node's, in the same statement, so a node that lost the task writes nothing.
     */
    public String leaseOwner() {
        return leaseOwner;
    }

    /**
     * Shows users how far the task got, in its {@code message} (docs/compatibility.md, "Progress while an import
     * runs"). Best effort: a failed write is logged, never thrown, and the message is replaced by the outcome when
     * the task ends.
     */
    public void progress(String message) {
        if (!cancelled()) {
            progress.accept(message);
        }
    }

    /**
     * The message the task keeps once it succeeds (an {@code api_image_import} task's {@code Copied N MiB}, as
     * upstream's); without one a successful task's message is what it was when claimed.
     */
    public void succeedWith(String message) {
        this.outcome = message;
    }

    /** The message set by {@link #succeedWith}, or null. */
    String outcome() {
        return outcome;
    }

    /** Whether the run must stop; {@link #cancellation()} says why. */
    public synchronized boolean cancelled() {
        return cancelled != null;
    }

    /** Why the run was cancelled, or null while it runs. */
    public synchronized Cancellation cancellation() {
        return cancelled;
    }

    /**
     * Has {@code action} run when the run is cancelled, at once if it already is: a handler closes what may block
     * (a download, a child process) so that the run stops promptly.
     */
    public void onCancel(Runnable action) {
        boolean now;
        synchronized (this) {
            now = cancelled != null;
            if (!now) {
                onCancel.add(action);
            }
        }
        if (now) {
            run(action);
        }
    }

    /** Stops the run: the actions registered with {@link #onCancel} run once, on the calling thread. */
    void cancel(Cancellation reason) {
        List<Runnable> actions;
        synchronized (this) {
            if (cancelled != null) {
                return;
            }
            cancelled = reason;
            actions = List.copyOf(onCancel);
            onCancel.clear();
        }
        actions.forEach(TaskRun::run);
    }

    private static void run(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("Stopping a cancelled task's work failed", e);
        }
    }
}
