package dev.loupe.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Timestamps as stored: microseconds since the epoch in a BIGINT, the same on SQLite and PostgreSQL. */
public final class Micros {

    private Micros() {}

    public static Long of(Instant instant) {
        return instant == null ? null : instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        long micros = rs.getLong(column);
        return rs.wasNull() ? null : instant(micros);
    }

    /** As {@link #instant(ResultSet, String)}, by position: hot queries skip the lookup of columns by name. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        long micros = rs.getLong(column);
        return rs.wasNull() ? null : instant(micros);
    }

    /**
     * As {@link #instant(ResultSet, int)} for a NOT NULL column: no second look at the column to tell a null from 0
     * (each look is a call into the SQLite driver's native code, and a page of tasks reads two such columns per row).
     */
    public static Instant present(ResultSet rs, int column) throws SQLException {
        return instant(rs.getLong(column));
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
