package dev.loupe.engine;

import dev.loupe.task.TaskType;

import java.util.EnumMap;
import java.util.Map;

/** Which handler runs each task type. */
public final class Handlers {

    private final Map<TaskType, TaskHandler> byType;

    private Handlers(Map<TaskType, TaskHandler> byType) {
        this.byType = Map.copyOf(byType);
    }

    /** What a server runs: imports with the given handler, and never the image-import API's task types (C12). */
    public static Handlers production(TaskHandler imports) {
        Map<TaskType, TaskHandler> handlers = new EnumMap<>(TaskType.class);
        handlers.put(TaskType.IMPORT, imports);
        for (TaskType type : new TaskType[] {TaskType.API_IMAGE_IMPORT, TaskType.LOCATION_IMPORT}) {
            handlers.put(type, new Unavailable("This server does not provide the image-import API, so "
                    + type.wire() + " tasks cannot run here; use an import task instead."));
        }
        return new Handlers(handlers);
    }

    /** The same handlers with one type's replaced: for tests that need a handler of their own. */
    public Handlers with(TaskType type, TaskHandler handler) {
        Map<TaskType, TaskHandler> copy = new EnumMap<>(byType);
        copy.put(type, handler);
        return new Handlers(copy);
    }

    Iterable<TaskHandler> all() {
        return byType.values();
    }

    TaskHandler forType(TaskType type) {
        return byType.get(type);
    }
}
