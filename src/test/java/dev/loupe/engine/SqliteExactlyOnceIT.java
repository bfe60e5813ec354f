package dev.loupe.engine;

/** Exactly once on the embedded SQLite database, two nodes on one file. */
class SqliteExactlyOnceIT extends ExactlyOnceContract {

    @Override
    String freshConnection() {
        return "";
    }
}
