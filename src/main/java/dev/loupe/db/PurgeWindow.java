package dev.loupe.db;

import java.time.Instant;
import org.jdbi.v3.core.statement.Update;

/**
 * The rows one {@code loupe db purge} removes from a table: deleted before {@code cutoff}, oldest first, at most
 * {@code maxRows} (-1 for all).
 */
public record PurgeWindow(Instant cutoff, int maxRows) {

    /**
     * The ids of the table's rows in the window, as a subquery: the database picks them, nothing is loaded, so a
     * backlog of millions stays one statement per table.
     */
    public String victims(String table) {
        return "SELECT id FROM " + table + " WHERE deleted = TRUE AND deleted_at < :cutoff ORDER BY deleted_at, id"
                + (maxRows >= 0 ? " LIMIT :max" : "");
    }

    /** Binds what {@link #victims} refers to. */
    public Update bind(Update update) {
        update.bind("cutoff", Micros.of(cutoff));
        if (maxRows >= 0) {
            update.bind("max", maxRows);
        }
        return update;
    }
}
