package dev.loupe.db;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.sqlite.jdbc3.JDBC3ResultSet;

/** Column reads for the queries every API request makes. */
public final class Columns {

    private Columns() {}

    /**
     * A text column's value; null for NULL. On the SQLite driver's own result sets (those of {@link Database#read})
     * the column's UTF-8 bytes are taken and decoded here: the driver's getString hands them over through a direct
     * buffer made in native code, which cost more than twice as much per column (0.25 against 0.11 us), and a page
     * of 20 tasks reads 80 text columns.
     */
    public static String text(ResultSet rows, int column) throws SQLException {
        if (rows instanceof JDBC3ResultSet) {
            byte[] utf8 = rows.getBytes(column);
            return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
        }
        return rows.getString(column);
    }
}
