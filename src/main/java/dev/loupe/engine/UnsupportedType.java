package dev.loupe.engine;

import com.fasterxml.jackson.databind.JsonNode;

/** A task type this server accepts but cannot run: the task fails at once with a message saying why. */
public record UnsupportedType(String reason) implements TaskHandler {

    @Override
    public JsonNode run(TaskRun run) throws TaskFailure {
        throw new TaskFailure(reason);
    }

    @Override
    public boolean safeToRetry() {
        return true;
    }
}
