package dev.loupe.engine;

/** The engine store's rules on the embedded SQLite database. */
class SqliteEngineStoreTest extends EngineStoreContract {

    @Override
    String freshConnection() {
        return "";
    }
}
