package dev.loupe.task;

import java.util.Arrays;
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
        return Arrays.stream(values()).filter(t -> t.wire.equals(text)).findFirst();
    }
}
