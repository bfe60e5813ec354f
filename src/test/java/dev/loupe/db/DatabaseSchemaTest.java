package dev.loupe.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** Opening a database whose schema is current skips Flyway; any other state still goes through it. */
class DatabaseSchemaTest {

    @TempDir
    Path dir;

    private SQLiteDataSource file(String name) {
        SQLiteDataSource source = new SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + dir.resolve(name));
        return source;
    }

    @Test
    void theMigrationsListedAreTheOnesFlywayFinds() {
        Set<String> flyway = Arrays.stream(Flyway.configure()
                        .dataSource(file("empty.db"))
                        .locations("classpath:db/migration")
                        .load()
                        .info()
                        .pending())
                .map(MigrationInfo::getVersion)
                .map(Object::toString)
                .collect(Collectors.toSet());

        assertThat(flyway).isNotEmpty();
        assertThat(Database.carriedMigrations()).isEqualTo(flyway);
    }

    @Test
    void aNewDatabaseIsNotCurrentAndAnOpenedOneIs() {
        assertThat(Database.schemaIsCurrent(file("loupe.db"))).isFalse();

        Database.open("", dir).close();

        assertThat(Database.schemaIsCurrent(file("loupe.db"))).isTrue();
    }

    @Test
    void aCurrentSchemaIsOpenedWithoutFlyway() throws Exception {
        Database.open("", dir).close();
        // Flyway's validation would refuse this history (checksum mismatch); a current schema never gets there.
        execute("UPDATE flyway_schema_history SET checksum = checksum + 1");

        Database.open("", dir).close();
    }

    @Test
    void aDatabaseMissingAMigrationGetsItAndTasksWrittenBeforeTheirDetailsMovedIntoTheirRowsKeepThem()
            throws Exception {
        Flyway.configure()
                .dataSource(file("loupe.db"))
                .locations("classpath:db/migration")
                .target("6")
                .load()
                .migrate();
        execute("INSERT INTO tasks (id, type, status, owner, created_at, updated_at) VALUES"
                + " ('t-1', 'import', 'failure', 'p', 1, 2), ('t-2', 'import', 'success', 'p', 3, 4)");
        execute("INSERT INTO task_info (task_id, input, result, message) VALUES"
                + " ('t-1', '{\"a\": 1}', NULL, 'It broke'), ('t-2', '{}', '{\"image_id\": \"i\"}', '')");
        assertThat(Database.schemaIsCurrent(file("loupe.db"))).isFalse();

        Database.open("", dir).close();

        assertThat(Database.schemaIsCurrent(file("loupe.db"))).isTrue();
        assertThat(execute("SELECT group_concat(id || ' ' || input || ' ' || COALESCE(result, '-') || ' ' || message,"
                        + " '|' ORDER BY id) FROM tasks"))
                .isEqualTo("t-1 {\"a\": 1} - It broke|t-2 {} {\"image_id\": \"i\"} ");
        assertThat(execute("SELECT count(*) FROM sqlite_schema WHERE name = 'task_info'"))
                .isEqualTo("0");
    }

    private String execute(String sql) throws Exception {
        try (var c = file("loupe.db").getConnection();
                var s = c.createStatement()) {
            if (s.execute(sql)) {
                try (var rows = s.getResultSet()) {
                    return rows.next() ? rows.getString(1) : null;
                }
            }
            return null;
        }
    }
}
