package dev.loupe.engine;

/**
 * A handler's way to fail its task with a specific message, which becomes the task's {@code message}. It never
 * reaches a caller of the API, so it is not a {@link dev.loupe.failure.LoupeException}.
 */
public final class TaskFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public TaskFailure(String message) {
        super(message);
    }

    public TaskFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
