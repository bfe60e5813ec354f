package dev.loupe.task;

import dev.loupe.db.Micros;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The columns of a task that lists sort and filter on (each is both a sort key and an equality filter upstream),
 * with what kind of value each holds. Nullable columns sort and page as their type's empty value ({@code ''} or 0),
 * as upstream's keyset pagination treats a null marker value.
 */
public enum TaskField {
    ID("id", Kind.TEXT, false),
    TYPE("type", Kind.TEXT, false),
    STATUS("status", Kind.TEXT, false),
    OWNER("owner", Kind.TEXT, false),
    EXPIRES_AT("expires_at", Kind.TIME, true),
    IMAGE_ID("image_id", Kind.TEXT, true),
    REQUEST_ID("request_id", Kind.TEXT, true),
    USER_ID("user_id", Kind.TEXT, true),
    CREATED_AT("created_at", Kind.TIME, false),
    UPDATED_AT("updated_at", Kind.TIME, false),
    DELETED_AT("deleted_at", Kind.TIME, true),
    DELETED("deleted", Kind.BOOLEAN, false);

    /** Value types: TEXT is a String, TIME is stored microseconds (a Long), BOOLEAN a Boolean. */
    public enum Kind {
        TEXT,
        TIME,
        BOOLEAN
    }

    /** By name: a lookup for every query parameter of every list. */
    private static final Map<String, TaskField> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(f -> f.column, f -> f));

    private final String column;
    private final Kind kind;
    private final boolean nullable;

    TaskField(String column, Kind kind, boolean nullable) {
        this.column = column;
        this.kind = kind;
        this.nullable = nullable;
    }

    /** The field a query parameter names, if it names one. */
    public static Optional<TaskField> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The column's name, which is also its name on the wire. */
    public String column() {
        return column;
    }

    public Kind kind() {
        return kind;
    }

    /** The expression the database sorts and compares by: nulls as the empty value of the column's type. */
    String sortExpression() {
        if (!nullable) {
            return column;
        }
        return "COALESCE(" + column + (kind == Kind.TEXT ? ", '')" : ", 0)");
    }

    /** The task's value of this field as {@link #sortExpression} sees it. */
    Object sortValue(Task task) {
        Object value = switch (this) {
            case ID -> task.id();
            case TYPE -> task.type().wire();
            case STATUS -> task.status().wire();
            case OWNER -> task.owner();
            case EXPIRES_AT -> Micros.of(task.expiresAt());
            case IMAGE_ID -> task.imageId();
            case REQUEST_ID -> task.requestId();
            case USER_ID -> task.userId();
            case CREATED_AT -> Micros.of(task.createdAt());
            case UPDATED_AT -> Micros.of(task.updatedAt());
            case DELETED_AT -> Micros.of(task.deletedAt());
            case DELETED -> task.deleted();
        };
        if (value == null) {
            return kind == Kind.TEXT ? "" : (Object) 0L;
        }
        return value;
    }
}
