package dev.loupe.db;

import java.time.Instant;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The rows one {@code loupe db purge} removes from a table: deleted before {@code cutoff}, oldest first, at most
 * {@code maxRows} (-1 for all).
 */
public record PurgeWindow(Instant cutoff, int maxRows, Database.Dialect dialect) {

    /**
     * Selects the ids of the table's rows in the window and locks them for the transaction. On PostgreSQL rows
     * another purge holds are skipped, so purges running at once take different rows instead of failing.
     */
    public String victims(String table) {
        return "SELECT id FROM " + table + " WHERE deleted = TRUE AND deleted_at < :cutoff ORDER BY deleted_at, id"
                + (maxRows >= 0 ? " LIMIT :max" : "")
                + (dialect == Database.Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "");
    }

    /** Binds what {@link #victims} refers to. */
    public <T extends SqlStatement<T>> T bind(T statement) {
        statement.bind("cutoff", Micros.of(cutoff));
        if (maxRows >= 0) {
            statement.bind("max", maxRows);
        }
        return statement;
    }
}
