package dev.loupe.engine;

import dev.loupe.testing.Postgres;

/** The engine store's rules on PostgreSQL, where claimers on many nodes skip each other's locked rows. */
class PostgresEngineStoreIT extends EngineStoreContract {

    @Override
    String freshConnection() {
        return Postgres.freshDatabase();
    }
}
