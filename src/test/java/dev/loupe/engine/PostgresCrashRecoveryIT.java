package dev.loupe.engine;

import dev.loupe.testing.Postgres;

/** {@link CrashRecoveryContract} on PostgreSQL, where leases are on the database's clock. */
class PostgresCrashRecoveryIT extends CrashRecoveryContract {

    @Override
    String freshConnection() {
        return Postgres.freshDatabase();
    }
}
