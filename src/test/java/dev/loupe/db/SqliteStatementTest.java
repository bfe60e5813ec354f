package dev.loupe.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStatementTest {

    /** A kept statement run again, with a row and without, names its columns as at its first run. */
    @Test
    void keepsColumnNamesAcrossExecutions(@TempDir Path dir) {
        try (Database db = Database.open("", dir)) {
            db.jdbi().useHandle(h -> {
                h.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v VARCHAR(255))");
                h.execute("INSERT INTO t (n, v) VALUES (1, 'one'), (2, 'two')");
            });
            List<String> read = new ArrayList<>();
            for (int n : new int[] {1, 3, 2, 1}) {
                read.add(db.read("SELECT t.n AS number, t.v FROM t WHERE t.n = ?", s -> s.setInt(1, n), rs -> {
                    String names = rs.getMetaData().getColumnName(1) + ","
                            + rs.getMetaData().getColumnName(2);
                    return rs.next() ? names + "=" + rs.getInt("number") + "," + rs.getString("v") : names + "=none";
                }));
            }
            assertThat(read).containsExactly("number,v=1,one", "number,v=none", "number,v=2,two", "number,v=1,one");
        }
    }
}
