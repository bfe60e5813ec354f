package dev.loupe.db;

import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionHandler;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * SQLite admits one writer at a time and makes the others wait in its busy handler, which sleeps in steps of
 * milliseconds. Queuing this process's transactions on a lock instead hands the database over as soon as it is
 * free. (Other processes on the same file still meet SQLite's own wait.)
 */
final class SingleWriter extends DelegatingTransactionHandler {

    private final ReentrantLock lock = new ReentrantLock(true);

    SingleWriter(TransactionHandler delegate) {
        super(delegate);
    }

    @Override
    public <R, X extends Exception> R inTransaction(Handle handle, HandleCallback<R, X> callback) throws X {
        lock.lock();
        try {
            return super.inTransaction(handle, callback);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <R, X extends Exception> R inTransaction(
            Handle handle, TransactionIsolationLevel level, HandleCallback<R, X> callback) throws X {
        lock.lock();
        try {
            return super.inTransaction(handle, level, callback);
        } finally {
            lock.unlock();
        }
    }
}
