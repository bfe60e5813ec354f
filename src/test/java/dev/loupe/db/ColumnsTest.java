package dev.loupe.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColumnsTest {

    /** Whatever a text column holds, the bytes read decode to what the driver's getString gives. */
    @Test
    void readsTextAsTheDriverDoes(@TempDir Path dir) {
        try (Database db = Database.open("", dir)) {
            db.jdbi().useHandle(h -> {
                h.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v VARCHAR(255))");
                h.execute("INSERT INTO t (n, v) VALUES (1, NULL), (2, ''), (3, 'plain'), (4, 'caf\u00e9 \u65e5\u672c'),"
                        + " (5, '\ud83d\ude00 x'), (6, 42), (7, 'a' || char(0) || 'b')");
            });
            List<List<String>> rows = db.read("SELECT v, v FROM t ORDER BY n", s -> {}, rs -> {
                List<List<String>> read = new ArrayList<>();
                while (rs.next()) {
                    List<String> pair = new ArrayList<>();
                    pair.add(Columns.text(rs, 1));
                    pair.add(rs.getString(2));
                    read.add(pair);
                }
                return read;
            });
            assertThat(rows).hasSize(7);
            for (List<String> pair : rows) {
                assertThat(pair.get(0)).isEqualTo(pair.get(1));
            }
            assertThat(rows.get(0).get(0)).isNull();
            assertThat(rows.get(1).get(0)).isEmpty();
            assertThat(rows.get(3).get(0)).isEqualTo("caf\u00e9 \u65e5\u672c");
            assertThat(rows.get(5).get(0)).isEqualTo("42");
        }
    }
}
