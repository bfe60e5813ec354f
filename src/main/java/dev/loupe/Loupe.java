package dev.loupe;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.db.Database;
import dev.loupe.http.HttpApi;
import dev.loupe.imports.ImportUriFilter;
import dev.loupe.policy.Policy;
import dev.loupe.task.TaskExpiry;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskSchema;
import dev.loupe.task.TaskService;

import java.time.Clock;
import java.time.Duration;

/** One running Loupe: the database, the services, the expiry sweep and the HTTP API, started and stopped together. */
public final class Loupe implements AutoCloseable {

    private final Database database;
    private final TaskExpiry expiry;
    private final HttpApi http;

    private Loupe(Database database, TaskExpiry expiry, HttpApi http) {
        this.database = database;
        this.expiry = expiry;
        this.http = http;
    }

    /**
     * Loupe's JSON reads what Python's json module reads: NaN and Infinity, and floats as doubles (so a huge
     * exponent is 0.0 or infinity, never a number that costs time to expand); nothing may follow the document.
     */
    public static ObjectMapper json() {
        return JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public static Loupe start(Config config, Clock clock) {
        ObjectMapper json = json();
        Policy policy = config.get(Options.POLICY_FILE).isEmpty()
                ? Policy.defaults()
                : Policy.load(config.resolve(config.get(Options.POLICY_FILE)));
        Database database = Database.open(config.get(Options.DATABASE_CONNECTION), config.dataDir());
        try {
            TaskSchema schema = new TaskSchema(json);
            TaskService tasks = new TaskService(new TaskRepository(database.jdbi(), json), schema,
                    new ImportUriFilter(config), clock, config.get(Options.LIMIT_PARAM_DEFAULT),
                    config.get(Options.API_LIMIT_MAX));
            TaskExpiry expiry = TaskExpiry.start(tasks, Duration.ofSeconds(config.get(Options.EXPIRY_INTERVAL)));
            HttpApi http = new HttpApi(config, tasks, schema, policy, json).start();
            return new Loupe(database, expiry, http);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
        expiry.close();
        database.close();
    }
}
