package dev.loupe.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConnection;

/**
 * Statements prepared once per physical connection and kept for the next use of the same SQL on it. SQLite compiles
 * a statement every time one is prepared, and the pool closes what was prepared through it whenever a connection
 * goes back; for the API's hottest reads that compile cost as much as running the query. A statement is prepared
 * on the connection under the pool's proxy, so the pool leaves it open, and it is used only by whoever holds that
 * connection, one thread at a time. Each connection keeps its {@value #PER_CONNECTION} most recently used
 * statements; a connection the pool closed takes its statements with it (they read as closed and are prepared
 * again on a new connection), and its entry goes once the connection is collected. On SQLite a kept statement
 * also keeps its column names ({@link SqliteStatement}).
 */
final class StatementCache {

    static final int PER_CONNECTION = 32;

    /** Keyed by the driver's connections, which compare by identity. */
    private final Map<Connection, Map<String, PreparedStatement>> byConnection = new ConcurrentHashMap<>();

    /** The statement for the SQL on the pooled connection, ready to bind: prepared now or reused. */
    PreparedStatement prepare(Connection pooled, String sql) throws SQLException {
        Connection physical = pooled.isWrapperFor(Connection.class) ? pooled.unwrap(Connection.class) : pooled;
        Map<String, PreparedStatement> statements = byConnection.get(physical);
        if (statements == null) {
            byConnection.keySet().removeIf(StatementCache::closed);
            statements = byConnection.computeIfAbsent(physical, c -> new Lru());
        }
        // Only the holder of the connection gets here with it: the pool's hand-over orders each holder's use.
        PreparedStatement statement = statements.get(sql);
        if (statement == null || statement.isClosed()) {
            statement = physical instanceof SQLiteConnection sqlite
                    ? new SqliteStatement(sqlite, sql)
                    : physical.prepareStatement(sql);
            statements.put(sql, statement);
        } else {
            statement.clearParameters();
        }
        return statement;
    }

    private static boolean closed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static final class Lru extends LinkedHashMap<String, PreparedStatement> {
        private static final long serialVersionUID = 1L;

        Lru() {
            super(16, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= PER_CONNECTION) {
                return false;
            }
            try {
                eldest.getValue().close();
            } catch (SQLException e) {
                // A statement that cannot be closed belongs to a connection that is going away anyway.
            }
            return true;
        }
    }
}
