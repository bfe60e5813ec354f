package dev.loupe.engine;

import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the engine's contract suites share to run on either database: SQLite's file, or a PostgreSQL database. */
final class Databases {

    private Databases() {}

    /** The settings, plus {@code database.connection} unless the connection is empty (SQLite in the data dir). */
    static String[] with(String connection, String... settings) {
        List<String> all = new ArrayList<>(List.of(settings));
        if (!connection.isEmpty()) {
            all.add("database.connection=" + connection);
        }
        return all.toArray(String[]::new);
    }

    /** The task rows of the connection's database, or of SQLite's file in the data dir when it is empty. */
    static TaskRows rows(String connection, Path dataDir) {
        return connection.isEmpty() ? new TaskRows(dataDir) : new TaskRows(connection);
    }

    /** The database's name, for a test's report line. */
    static String name(String connection) {
        return connection.isEmpty() ? "SQLite" : "PostgreSQL";
    }
}
