package dev.loupe.engine;

import dev.loupe.testing.Postgres;

/** {@link StaleWorkerContract} on PostgreSQL, where leases are on the database's clock. */
class PostgresStaleWorkerIT extends StaleWorkerContract {

    @Override
    String freshConnection() {
        return Postgres.freshDatabase();
    }
}
