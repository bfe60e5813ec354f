package dev.loupe.engine;

/**
 * Why a run was stopped before its handler returned, and so what becomes of its task.
 *
 * @param message what the task's {@code message} says, for a cancel a caller asked for; the log's reason otherwise
 */
public record Cancellation(Kind kind, String message) {

    public enum Kind {
        /** A caller cancelled the task: it ends in failure with the caller's message. */
        REQUESTED,
        /** Another node took the task over: this node writes nothing. */
        LEASE_LOST,
        /** The server is stopping: the task is released for another node, not failed. */
        STOPPING
    }

    static Cancellation requested(String message) {
        return new Cancellation(Kind.REQUESTED, message);
    }

    static Cancellation leaseLost() {
        return new Cancellation(Kind.LEASE_LOST, "the lease was lost to another node");
    }

    static Cancellation stopping() {
        return new Cancellation(Kind.STOPPING, "the server is stopping");
    }
}
