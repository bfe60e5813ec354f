package dev.loupe.engine;

/** {@link StaleWorkerContract} on the embedded SQLite database. */
class SqliteStaleWorkerIT extends StaleWorkerContract {

    @Override
    String freshConnection() {
        return "";
    }
}
