package dev.loupe.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.db.Micros;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A whole task as stored: the {@code tasks} row joined with its {@code task_info} row (input, result, message).
 * Shared by the API's queries and the engine's, so a task reads the same whichever asks.
 */
public final class TaskRowMapper implements RowMapper<Task> {

    /** Selects what {@link #map} reads, from {@code tasks t}; a query adds its WHERE clause. */
    public static final String SELECT =
            "SELECT t.*, i.input, i.result, i.message FROM tasks t" + " LEFT JOIN task_info i ON i.task_id = t.id";

    private final ObjectMapper json;

    public TaskRowMapper(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public Task map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Task(
                rs.getString("id"),
                type(rs),
                status(rs),
                rs.getString("owner"),
                read(rs.getString("input")),
                read(rs.getString("result")),
                rs.getString("message"),
                Micros.instant(rs, "created_at"),
                Micros.instant(rs, "updated_at"),
                Micros.instant(rs, "expires_at"),
                rs.getString("image_id"),
                rs.getString("request_id"),
                rs.getString("user_id"),
                rs.getBoolean("deleted"),
                Micros.instant(rs, "deleted_at"),
                rs.getInt("attempts"),
                rs.getLong("version"),
                rs.getString("cancel_reason"));
    }

    static TaskType type(ResultSet rs) throws SQLException {
        String wire = rs.getString("type");
        return TaskType.fromWire(wire).orElseThrow(() -> new SQLException("unknown task type in database: " + wire));
    }

    static TaskStatus status(ResultSet rs) throws SQLException {
        String wire = rs.getString("status");
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

    private JsonNode read(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task details in the database are not JSON", e);
        }
    }
}
