package dev.loupe.engine;

/** {@link CrashRecoveryContract} on the embedded SQLite database. */
class SqliteCrashRecoveryIT extends CrashRecoveryContract {

    @Override
    String freshConnection() {
        return "";
    }
}
