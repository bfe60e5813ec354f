package dev.loupe.image;

import dev.loupe.db.Micros;

/**
 * The columns of an image that lists filter and sort on, with what kind of value each holds. Nullable columns sort
 * and page as their type's empty value ({@code ''} or 0), as upstream's keyset pagination treats a null marker value.
 */
public enum ImageField {
    ID("id", Kind.TEXT, false),
    NAME("name", Kind.TEXT, true),
    STATUS("status", Kind.TEXT, false),
    VISIBILITY("visibility", Kind.TEXT, false),
    PROTECTED("protected", Kind.BOOLEAN, false),
    OS_HIDDEN("os_hidden", Kind.BOOLEAN, false),
    OWNER("owner", Kind.TEXT, true),
    DISK_FORMAT("disk_format", Kind.TEXT, true),
    CONTAINER_FORMAT("container_format", Kind.TEXT, true),
    SIZE("size", Kind.INTEGER, true),
    VIRTUAL_SIZE("virtual_size", Kind.INTEGER, true),
    CHECKSUM("checksum", Kind.TEXT, true),
    OS_HASH_ALGO("os_hash_algo", Kind.TEXT, true),
    OS_HASH_VALUE("os_hash_value", Kind.TEXT, true),
    MIN_DISK("min_disk", Kind.INTEGER, false),
    MIN_RAM("min_ram", Kind.INTEGER, false),
    CREATED_AT("created_at", Kind.TIME, false),
    UPDATED_AT("updated_at", Kind.TIME, false);

    /** Value types: TEXT is a String, INTEGER a Long, BOOLEAN a Boolean, TIME an Instant. */
    public enum Kind {
        TEXT,
        INTEGER,
        BOOLEAN,
        TIME
    }

    private final String column;
    private final Kind kind;
    private final boolean nullable;

    ImageField(String column, Kind kind, boolean nullable) {
        this.column = column;
        this.kind = kind;
        this.nullable = nullable;
    }

    /** The column's name, which is also its name on the wire. */
    public String column() {
        return column;
    }

    public Kind kind() {
        return kind;
    }

    public boolean nullable() {
        return nullable;
    }

    /** The image's value of this field as it sorts: nulls as the empty value, times as stored microseconds. */
    Object sortValue(Image image) {
        Object value = switch (this) {
            case ID -> image.id();
            case NAME -> image.name();
            case STATUS -> image.status().wire();
            case VISIBILITY -> image.visibility();
            case PROTECTED -> image.isProtected();
            case OS_HIDDEN -> image.osHidden();
            case OWNER -> image.owner();
            case DISK_FORMAT -> image.diskFormat();
            case CONTAINER_FORMAT -> image.containerFormat();
            case SIZE -> image.size();
            case VIRTUAL_SIZE -> image.virtualSize();
            case CHECKSUM -> image.checksum();
            case OS_HASH_ALGO -> image.osHashAlgo();
            case OS_HASH_VALUE -> image.osHashValue();
            case MIN_DISK -> (long) image.minDisk();
            case MIN_RAM -> (long) image.minRam();
            case CREATED_AT -> Micros.of(image.createdAt());
            case UPDATED_AT -> Micros.of(image.updatedAt());
        };
        if (value == null) {
            return kind == Kind.INTEGER ? (Object) 0L : "";
        }
        return value;
    }
}
