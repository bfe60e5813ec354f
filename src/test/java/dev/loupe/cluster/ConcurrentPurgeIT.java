package dev.loupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loupe.compat.PythonJson;
import dev.loupe.db.Database;
import dev.loupe.db.PurgeWindow;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskRowMapper;
import dev.loupe.testing.LoupeProcess;
import dev.loupe.testing.Postgres;
import dev.loupe.testing.TaskRows;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Purges running at once on PostgreSQL take different rows and never fail on each other's deletes. */
class ConcurrentPurgeIT {

    private static final int ROWS = 100_000;

    @TempDir
    Path dir;

    @Test
    void threePurgesOfAHundredRowsAtATimeEmptyAHundredThousandRowsWithoutAFailure() throws Exception {
        String connection = Postgres.freshDatabase();
        try (Database db = Database.open(connection, dir)) {
            long longAgo = TaskRows.micros(Instant.now().minus(Duration.ofDays(40)));
            db.jdbi().useTransaction(h -> {
                h.execute("INSERT INTO tasks (id, type, status, owner, expires_at, created_at, updated_at, deleted_at,"
                        + " deleted, input) SELECT 'purge-' || n, 'import', 'success', 'proj-a', " + longAgo + ", "
                        + longAgo + ", " + longAgo + ", " + longAgo + " + n, TRUE, '{}' FROM generate_series(1, "
                        + ROWS + ") AS n");
            });
            TaskRepository tasks = new TaskRepository(db, new TaskRowMapper(PythonJson.mapper()));
            PurgeWindow window = new PurgeWindow(Instant.now().minus(Duration.ofDays(30)), 100, db.dialect());
            List<Future<Integer>> purgers = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
                for (int i = 0; i < 3; i++) {
                    purgers.add(pool.submit(() -> {
                        int purged = 0;
                        for (int batch = tasks.purge(window); batch > 0; batch = tasks.purge(window)) {
                            assertThat(batch).isLessThanOrEqualTo(100);
                            purged += batch;
                        }
                        return purged;
                    }));
                }
            }
            int purged = 0;
            for (Future<Integer> purger : purgers) {
                purged += purger.get();
            }
            assertThat(purged).isEqualTo(ROWS);
            assertThat(new TaskRows(connection).taskIds()).isEmpty();
        }
    }

    @Test
    void threeLoupeDbPurgeCommandsAtOnceAllSucceed() throws Exception {
        String connection = Postgres.freshDatabase();
        try (Database db = Database.open(connection, dir)) {
            long longAgo = TaskRows.micros(Instant.now().minus(Duration.ofDays(40)));
            db.jdbi().useTransaction(h -> {
                h.execute("INSERT INTO tasks (id, type, status, owner, created_at, updated_at, deleted_at, deleted,"
                        + " input) SELECT 'purge-' || n, 'import', 'success', 'proj-a', " + longAgo + ", " + longAgo
                        + ", " + longAgo + " + n, TRUE, '{}' FROM generate_series(1, 1000) AS n");
            });
        }
        List<LoupeProcess> purges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            purges.add(LoupeProcess.jar(
                    dir.resolve("purge-" + i),
                    "db",
                    "purge",
                    "--max-rows",
                    "100",
                    "--set",
                    "database.connection=" + connection));
        }
        for (LoupeProcess purge : purges) {
            assertThat(purge.exitCode(Duration.ofMinutes(1))).as(purge.stderr()).isZero();
            assertThat(String.join("\n", purge.stdout())).contains("Purged 100 task(s)");
        }
        assertThat(new TaskRows(connection).statusCounts()).isEqualTo(Map.of("success", 700));
    }
}
