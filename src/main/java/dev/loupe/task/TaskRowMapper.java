package dev.loupe.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.db.Columns;
import dev.loupe.db.Micros;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A whole task as stored: its {@code tasks} row, details (input, result, message) included.
 * Shared by the API's queries and the engine's, so a task reads the same whichever asks.
 */
public final class TaskRowMapper implements RowMapper<Task> {

    /**
     * What {@link #map} reads, in the order it reads them by position (looking each up by name cost more than the
     * read itself); unqualified, so an {@code UPDATE ... RETURNING} can name them too (SQLite's takes no table name).
     */
    public static final String COLUMNS = "id, type, status, owner, input, result, message, created_at, updated_at,"
            + " expires_at, image_id, request_id, user_id, deleted, deleted_at, attempts, version, cancel_reason";

    /** Selects {@link #COLUMNS} from {@code tasks t}; a query adds its WHERE clause. */
    public static final String SELECT = "SELECT " + COLUMNS + " FROM tasks t";

    private final ObjectMapper json;

    public TaskRowMapper(ObjectMapper json) {
        this.json = json;
    }

    /** The task with its input and result parsed now: a row that is not JSON fails here. */
    @Override
    public Task map(ResultSet rs, StatementContext ctx) throws SQLException {
        return map(rs, true);
    }

    /**
     * The task with its input and result kept as stored text, parsed only if their trees are asked for: a show
     * copies the text to its answer (see {@link StoredJson#canonicalText()}).
     */
    public Task mapStored(ResultSet rs) throws SQLException {
        return map(rs, false);
    }

    private Task map(ResultSet rs, boolean parse) throws SQLException {
        String input = Columns.text(rs, 5);
        String result = Columns.text(rs, 6);
        return new Task(
                Columns.text(rs, 1),
                type(Columns.text(rs, 2)),
                status(Columns.text(rs, 3)),
                Columns.text(rs, 4),
                parse ? StoredJson.parsed(input, json) : StoredJson.stored(input, json),
                parse ? StoredJson.parsed(result, json) : StoredJson.stored(result, json),
                Columns.text(rs, 7),
                Micros.present(rs, 8),
                Micros.present(rs, 9),
                Micros.instant(rs, 10),
                Columns.text(rs, 11),
                Columns.text(rs, 12),
                Columns.text(rs, 13),
                rs.getBoolean(14),
                Micros.instant(rs, 15),
                rs.getInt(16),
                rs.getLong(17),
                Columns.text(rs, 18));
    }

    static TaskType type(String wire) throws SQLException {
        return TaskType.fromWire(wire).orElseThrow(() -> new SQLException("unknown task type in database: " + wire));
    }

    static TaskStatus status(String wire) throws SQLException {
        return TaskStatus.fromWire(wire)
                .orElseThrow(() -> new SQLException("unknown task status in database: " + wire));
    }

    /** A JSON column's text for the node; null for none. */
    public String write(JsonNode node) {
        if (node == null) {
            return null;
        }
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
    }
}
