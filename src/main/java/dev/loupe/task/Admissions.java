package dev.loupe.task;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The admission of each task type that has one; a type without one is admitted once the schema passes. */
public final class Admissions {

    private final Map<TaskType, TaskAdmission> byType;

    private Admissions(Map<TaskType, TaskAdmission> byType) {
        this.byType = Map.copyOf(byType);
    }

    public static Admissions none() {
        return new Admissions(new EnumMap<>(TaskType.class));
    }

    /** The same admissions with {@code type}'s registered. */
    public Admissions with(TaskType type, TaskAdmission admission) {
        Map<TaskType, TaskAdmission> copy = new EnumMap<>(TaskType.class);
        copy.putAll(byType);
        copy.put(type, admission);
        return new Admissions(copy);
    }

    Optional<TaskAdmission> forType(TaskType type) {
        return Optional.ofNullable(byType.get(type));
    }
}
