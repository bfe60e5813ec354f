package dev.loupe.engine;

import dev.loupe.task.TaskType;
import java.util.EnumMap;
import java.util.Map;

/** Which handler runs each task type; each capability registers the types it runs. */
public final class Handlers {

    private final Map<TaskType, TaskHandler> byType;

    private Handlers(Map<TaskType, TaskHandler> byType) {
        this.byType = Map.copyOf(byType);
    }

    /** No handlers: a task of a type nobody registers fails at once, saying so. */
    public static Handlers none() {
        return new Handlers(new EnumMap<>(TaskType.class));
    }

    /** The same handlers with {@code type}'s registered (or replaced: tests put handlers of their own in place). */
    public Handlers with(TaskType type, TaskHandler handler) {
        Map<TaskType, TaskHandler> copy = new EnumMap<>(TaskType.class);
        copy.putAll(byType);
        copy.put(type, handler);
        return new Handlers(copy);
    }

    Iterable<TaskHandler> all() {
        return byType.values();
    }

    TaskHandler forType(TaskType type) {
        TaskHandler handler = byType.get(type);
        return handler != null
                ? handler
                : new UnsupportedType("This server has no handler for " + type.wire() + " tasks.");
    }
}
