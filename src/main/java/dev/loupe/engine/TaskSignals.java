package dev.loupe.engine;

import dev.loupe.db.Database;

/**
 * How nodes learn that a task was created, so an idle worker claims it at once instead of at its next poll.
 * Polling stays the fallback: a lost signal only slows a pickup down.
 */
public interface TaskSignals extends AutoCloseable {

    /** Says, after the task's row is committed, that a task was created on this node. */
    void taskCreated();

    /** Has {@code listener} called whenever a task was created on any node. */
    void onTaskCreated(Runnable listener);

    @Override
    void close();

    /** The signals {@code database} carries: across nodes on PostgreSQL, within the process on SQLite. */
    static TaskSignals forDatabase(Database database) {
        return database.dialect() == Database.Dialect.POSTGRESQL ? new PostgresSignals(database) : new LocalSignals();
    }
}
