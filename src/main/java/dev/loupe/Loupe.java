package dev.loupe;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.loupe.LoupeException.BadConfiguration;
import dev.loupe.auth.Authenticator;
import dev.loupe.config.Config;
import dev.loupe.config.Option;
import dev.loupe.config.Options;
import dev.loupe.db.Database;
import dev.loupe.engine.EngineSettings;
import dev.loupe.engine.Handlers;
import dev.loupe.engine.TaskEngine;
import dev.loupe.http.HttpApi;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageSchema;
import dev.loupe.image.ImageService;
import dev.loupe.imports.Conversion;
import dev.loupe.imports.HashAlgorithm;
import dev.loupe.imports.ImportHandler;
import dev.loupe.imports.ImportUriFilter;
import dev.loupe.imports.fetch.FetchSettings;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.policy.Policy;
import dev.loupe.store.FilesystemStore;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.TaskExpiry;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskSchema;
import dev.loupe.task.TaskService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One running Loupe: the database, the services, the expiry sweep, the task engine and the HTTP API, started
 * together and stopped in the reverse order (the API first, so no task is accepted that nobody will run).
 */
public final class Loupe implements AutoCloseable {

    private final List<AutoCloseable> parts;
    private final HttpApi http;

    private Loupe(List<AutoCloseable> parts, HttpApi http) {
        this.parts = parts;
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

    /**
     * @param customize changes to the task handlers this server builds; tests put handlers of their own in place
     */
    public static Loupe start(Config config, Clock clock, Role role, UnaryOperator<Handlers> customize) {
        ObjectMapper json = json();
        Policy policy = config.get(Options.POLICY_FILE).isEmpty()
                ? Policy.defaults()
                : Policy.load(config.resolve(config.get(Options.POLICY_FILE)));
        List<AutoCloseable> parts = new ArrayList<>();
        Database database = Database.open(config.get(Options.DATABASE_CONNECTION), config.dataDir());
        parts.add(database);
        try {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            TaskRepository repository = new TaskRepository(database.jdbi(), json);
            ImageRepository images = new ImageRepository(database.jdbi());
            // One store for the imports that write data and the API that reads and deletes it.
            ImageStore store = imageStore(config);
            TaskEngine engine = role.runsTasks()
                    ? new TaskEngine(repository,
                            customize.apply(Handlers.production(imports(config, images, store, clock))),
                            EngineSettings.from(config), clock, metrics)
                    : null;
            TaskSchema schema = new TaskSchema(json);
            TaskService tasks = new TaskService(repository, schema, new ImportUriFilter(config), clock,
                    config.get(Options.LIMIT_PARAM_DEFAULT), config.get(Options.API_LIMIT_MAX),
                    engine == null ? () -> { } : engine::wake);
            parts.addFirst(TaskExpiry.start(tasks, config.get(Options.EXPIRY_INTERVAL)));
            if (engine != null) {
                parts.addFirst(engine.start());
            }
            HttpApi http = null;
            if (role.servesApi()) {
                warnIfHeadersAreTrustedOffLoopback(config);
                ImageService imageService = new ImageService(images, repository, store, policy, clock,
                        config.get(Options.LIMIT_PARAM_DEFAULT), config.get(Options.API_LIMIT_MAX));
                http = new HttpApi(config, Authenticator.from(config, json, clock), tasks, schema, imageService,
                        new ImageSchema(json), policy, json, metrics).start();
                parts.addFirst(http::stop);
            }
            return new Loupe(parts, http);
        } catch (RuntimeException e) {
            close(parts);
            throw e;
        }
    }

    private static ImportHandler imports(Config config, ImageRepository images, ImageStore store, Clock clock) {
        return new ImportHandler(images, store, new Fetcher(FetchSettings.from(config)),
                new HashAlgorithm(config.get(Options.HASHING_ALGORITHM)),
                Conversion.to(config.get(Options.CONVERSION_FORMAT), directory(config, Options.WORK_DIR, "work")),
                clock);
    }

    static ImageStore imageStore(Config config) {
        try {
            return new FilesystemStore(directory(config, Options.FILESYSTEM_STORE_DATADIR, "images")).open();
        } catch (StoreFailure e) {
            throw new BadConfiguration(e.getMessage(), e);
        }
    }

    /** A directory option's value, or the given folder of the data directory when it is empty. */
    private static Path directory(Config config, Option<String> option, String inDataDir) {
        String value = config.get(option);
        return value.isEmpty() ? config.dataDir().resolve(inDataDir) : config.resolve(value);
    }

    private static void warnIfHeadersAreTrustedOffLoopback(Config config) {
        String host = config.get(Options.BIND_HOST);
        boolean loopback = host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
        if (config.get(Options.AUTH_STRATEGY).equals("headers") && !loopback) {
            org.slf4j.LoggerFactory.getLogger(Loupe.class).warn("Listening on {} with auth_strategy = headers:"
                    + " anyone who can reach this address can claim any identity (X-Roles: admin). Put an"
                    + " authenticating proxy in front, or bind to 127.0.0.1.", host);
        }
    }

    /** The HTTP port; -1 for a worker-only process. */
    public int port() {
        return http == null ? -1 : http.port();
    }

    @Override
    public void close() {
        close(parts);
    }

    private static void close(List<AutoCloseable> parts) {
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Loupe.class).warn("Stopping {} failed", part, e);
            }
        }
    }
}
