package dev.loupe.engine;

import dev.loupe.testing.Postgres;

/** Exactly once on PostgreSQL, where claims skip each other's locked rows and creates wake the other node. */
class PostgresExactlyOnceIT extends ExactlyOnceContract {

    @Override
    String freshConnection() {
        return Postgres.freshDatabase();
    }
}
