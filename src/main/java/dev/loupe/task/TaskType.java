package dev.loupe.task;

import java.util.Optional;

/** The task types the schema accepts on create. Only {@code import} may be used as a list filter (upstream). */
public enum TaskType {
    IMPORT("import"),
    API_IMAGE_IMPORT("api_image_import"),
    LOCATION_IMPORT("location_import");

    private final String wire;

    TaskType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<TaskType> fromWire(String text) {
        for (TaskType t : VALUES) {
            if (t.wire.equals(text)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Read on every row: one copy, not a new array per call. */
    private static final TaskType[] VALUES = values();
}
