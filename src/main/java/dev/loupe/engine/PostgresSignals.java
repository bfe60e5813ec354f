package dev.loupe.engine;

import dev.loupe.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task-created signals across nodes through PostgreSQL's LISTEN/NOTIFY, each on a connection of its own outside
 * the pool. Creations close together share one NOTIFY (one is sent at a time; those made meanwhile wait for the
 * next). A lost connection is opened again with backoff; meanwhile pickup falls back to polling.
 */
final class PostgresSignals implements TaskSignals {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSignals.class);
    static final String CHANNEL = "loupe_task_created";
    private static final Duration FIRST_RECONNECT = Duration.ofMillis(200);
    private static final Duration LONGEST_RECONNECT = Duration.ofSeconds(10);
    private static final int LISTEN_WAIT_MILLIS = 1_000;

    private final Database database;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Object pending = new Object();
    private final Thread notifier;
    private Thread listener;
    private boolean created;
    private volatile boolean closed;

    PostgresSignals(Database database) {
        this.database = database;
        this.notifier = Thread.ofPlatform().name("task-notify").daemon().start(this::notifyLoop);
    }

    @Override
    public void taskCreated() {
        // This node's workers need no round trip.
        listeners.forEach(Runnable::run);
        synchronized (pending) {
            created = true;
            pending.notifyAll();
        }
    }

    @Override
    public synchronized void onTaskCreated(Runnable listener) {
        listeners.add(listener);
        if (this.listener == null) {
            this.listener = Thread.ofPlatform().name("task-listen").daemon().start(this::listenLoop);
        }
    }

    private void notifyLoop() {
        Connection connection = null;
        Duration backoff = FIRST_RECONNECT;
        while (!closed) {
            synchronized (pending) {
                while (!created && !closed) {
                    try {
                        pending.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                created = false;
            }
            if (closed) {
                break;
            }
            try {
                if (connection == null) {
                    connection = open("loupe-notify");
                }
                try (Statement statement = connection.createStatement()) {
                    statement.execute("NOTIFY " + CHANNEL);
                }
                backoff = FIRST_RECONNECT;
            } catch (SQLException e) {
                LOG.warn(
                        "Signalling a new task to other nodes failed; they find it at their next poll: {}",
                        e.toString());
                close(connection);
                connection = null;
                backoff = sleep(backoff);
            }
        }
        close(connection);
    }

    private void listenLoop() {
        Duration backoff = FIRST_RECONNECT;
        while (!closed) {
            Connection connection = null;
            try {
                connection = open("loupe-listen");
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                backoff = FIRST_RECONNECT;
                // Anything created while not listening is found by this first look.
                listeners.forEach(Runnable::run);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(LISTEN_WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        listeners.forEach(Runnable::run);
                    }
                }
            } catch (SQLException e) {
                if (!closed) {
                    LOG.warn(
                            "Lost the connection that hears of other nodes' tasks; polling until it is back: {}",
                            e.toString());
                }
            } finally {
                close(connection);
            }
            backoff = sleep(backoff);
        }
    }

    private Connection open(String name) throws SQLException {
        Connection connection = database.dedicatedConnection();
        connection.setAutoCommit(true);
        connection.setClientInfo("ApplicationName", name);
        return connection;
    }

    private Duration sleep(Duration backoff) {
        try {
            Thread.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(LONGEST_RECONNECT) > 0 ? LONGEST_RECONNECT : doubled;
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (pending) {
            pending.notifyAll();
        }
        notifier.interrupt();
        Thread listening;
        synchronized (this) {
            listening = listener;
        }
        if (listening != null) {
            listening.interrupt();
        }
    }
}
