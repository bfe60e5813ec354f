package dev.loupe.engine;

import dev.loupe.LoupeException;

/** A handler's way to fail its task with a specific message, which becomes the task's {@code message}. */
public final class TaskFailure extends LoupeException {

    public TaskFailure(String message) {
        super(message);
    }

    public TaskFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
