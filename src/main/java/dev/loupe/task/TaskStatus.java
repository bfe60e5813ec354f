package dev.loupe.task;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The status machine of a task: the only place that says which moves are allowed. */
public enum TaskStatus {
    PENDING,
    PROCESSING,
    SUCCESS,
    FAILURE;

    /** Made once: every task of every answer is written with its status. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static Optional<TaskStatus> fromWire(String text) {
        for (TaskStatus s : VALUES) {
            if (s.wire.equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Read on every row: one copy, not a new array per call. */
    private static final TaskStatus[] VALUES = values();

    public boolean isTerminal() {
        return this == SUCCESS || this == FAILURE;
    }

    public boolean canMoveTo(TaskStatus next) {
        return switch (this) {
            case PENDING -> Set.of(PROCESSING, FAILURE).contains(next);
            case PROCESSING -> Set.of(SUCCESS, FAILURE).contains(next);
            case SUCCESS, FAILURE -> false;
        };
    }

    /** Thrown on a move the machine does not allow; a bug in the caller, never the client's fault. */
    public static final class IllegalTransition extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        IllegalTransition(TaskStatus from, TaskStatus to) {
            super("Status transition from " + from.wire() + " to " + to.wire() + " is not allowed");
        }
    }
}
