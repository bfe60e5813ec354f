package dev.loupe;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.auth.Authenticator;
import dev.loupe.auth.HeaderAuthenticator;
import dev.loupe.auth.KeystoneAuthenticator;
import dev.loupe.auth.KeystoneSettings;
import dev.loupe.compat.ListSettings;
import dev.loupe.compat.PythonJson;
import dev.loupe.config.Config;
import dev.loupe.config.Option;
import dev.loupe.config.Options;
import dev.loupe.db.Database;
import dev.loupe.db.DatabaseClock;
import dev.loupe.db.DatabaseSettings;
import dev.loupe.engine.EngineSettings;
import dev.loupe.engine.Handlers;
import dev.loupe.engine.PeriodicJobs;
import dev.loupe.engine.SqlEngineStore;
import dev.loupe.engine.TaskEngine;
import dev.loupe.engine.TaskSignals;
import dev.loupe.engine.UnsupportedType;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.http.HttpApi;
import dev.loupe.http.HttpSettings;
import dev.loupe.image.ImageImports;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageSchema;
import dev.loupe.image.ImageService;
import dev.loupe.image.ImportState;
import dev.loupe.image.StagingArea;
import dev.loupe.imports.ApiImportHandler;
import dev.loupe.imports.Conversion;
import dev.loupe.imports.HashAlgorithm;
import dev.loupe.imports.ImportAdmission;
import dev.loupe.imports.UploadIntake;
import dev.loupe.imports.fetch.FetchSettings;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.imports.fetch.ImportUriFilter;
import dev.loupe.policy.Policy;
import dev.loupe.store.FilesystemStore;
import dev.loupe.store.ImageStore;
import dev.loupe.store.RoutingStore;
import dev.loupe.store.S3Settings;
import dev.loupe.store.S3Store;
import dev.loupe.store.StoreFailure;
import dev.loupe.task.Admissions;
import dev.loupe.task.TaskGauges;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskRowMapper;
import dev.loupe.task.TaskSchema;
import dev.loupe.task.TaskService;
import dev.loupe.task.TaskType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * One running Loupe: the database, the services, the expiry sweep, the task engine and the HTTP API, started
 * together and stopped in the reverse order (the API first, so no task is accepted that nobody will run).
 */
public final class Loupe implements AutoCloseable {

    private static final Duration CLOCK_RESYNC = Duration.ofSeconds(10);

    private final List<AutoCloseable> parts;
    private final HttpApi http;
    private final TaskEngine engine;

    private Loupe(List<AutoCloseable> parts, HttpApi http, TaskEngine engine) {
        this.parts = parts;
        this.http = http;
        this.engine = engine;
    }

    /**
     * Starts the parts in the order a failed start undoes cleanly: the database, then the API (so a port in use
     * stops the start before any task runs), then the workers and periodic jobs.
     *
     * @param localClock this node's clock; on PostgreSQL everything is stamped on the database's clock through it
     * @param customize  changes to the task handlers this server builds; tests put handlers of their own in place
     */
    public static Loupe start(Config config, Clock localClock, Role role, UnaryOperator<Handlers> customize) {
        ObjectMapper json = PythonJson.mapper();
        Policy policy = config.get(Options.POLICY_FILE).isEmpty()
                ? Policy.defaults()
                : Policy.load(config.resolve(config.get(Options.POLICY_FILE)));
        List<AutoCloseable> parts = new ArrayList<>();
        Database database = Database.open(DatabaseSettings.from(config), config.dataDir());
        parts.add(database);
        try {
            Clock clock = localClock;
            if (database.dialect() == Database.Dialect.POSTGRESQL) {
                DatabaseClock databaseClock = DatabaseClock.of(localClock, database, CLOCK_RESYNC);
                parts.addFirst(databaseClock);
                clock = databaseClock;
            }
            String node = nodeName();
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            TaskRowMapper rows = new TaskRowMapper(json);
            TaskRepository repository = new TaskRepository(database, rows);
            ImageRepository images = new ImageRepository(database.jdbi());
            // One store for the imports that write data and the API that reads and deletes it.
            ImageStore store = imageStore(config);
            TaskSignals signals = TaskSignals.forDatabase(database);
            EngineSettings engineSettings = EngineSettings.from(config);
            parts.addFirst(signals);
            parts.add(store);
            // Each task type with what it checks at create and what runs it.
            Admissions admissions =
                    Admissions.none().with(TaskType.IMPORT, new ImportAdmission(ImportUriFilter.from(config)));
            ImportState importState = new ImportState(database.jdbi());
            StagingArea staging =
                    new StagingArea(directory(config, Options.WORK_DIR, "work").resolve("staging"));
            TaskEngine engine = null;
            if (role.runsTasks()) {
                Handlers handlers = imports(config, images, importState, staging, store, clock)
                        .with(
                                TaskType.LOCATION_IMPORT,
                                new UnsupportedType("This server does not provide the location import, so "
                                        + TaskType.LOCATION_IMPORT.wire()
                                        + " tasks cannot run here; use an import task instead."));
                engine = new TaskEngine(
                        new SqlEngineStore(database, rows, engineSettings.maxRunningPerProject()),
                        customize.apply(handlers),
                        engineSettings,
                        node,
                        clock,
                        metrics);
                signals.onTaskCreated(engine::wake);
            }
            ListSettings lists = ListSettings.from(config);
            TaskSchema schema = new TaskSchema(json);
            TaskService tasks = new TaskService(
                    repository,
                    schema,
                    admissions,
                    policy,
                    clock,
                    lists,
                    engineSettings.timeToLive(),
                    signals::taskCreated);
            PeriodicJobs jobs = new PeriodicJobs(database.jdbi(), clock, node, metrics)
                    .every("task-expiry", config.get(Options.EXPIRY_INTERVAL), tasks::expire);
            if (engine != null) {
                jobs.every("leftover-sweep", config.get(Options.LEASE_DURATION), engine::sweep);
            }
            TaskGauges.register(metrics, repository);
            HttpApi http = null;
            if (!role.servesApi()) {
                // A worker-only node answers its monitoring on its port, bound before any worker starts.
                http = HttpApi.monitoring(HttpSettings.from(config), json, metrics, database::reachable)
                        .start();
                parts.addFirst(http::stop);
            }
            if (role.servesApi()) {
                warnIfHeadersAreTrustedOffLoopback(config);
                ImageSchema imageSchema = new ImageSchema(json);
                ImageService imageService = new ImageService(
                        images, repository, store, policy, clock, lists, imageSchema, uploads(config, store));
                ImportUriFilter uriFilter = ImportUriFilter.from(config);
                ImageImports imageImports = new ImageImports(
                        imageService,
                        images,
                        importState,
                        tasks,
                        repository,
                        staging,
                        config.get(Options.ENABLED_IMPORT_METHODS),
                        uriFilter::refusal,
                        config.get(Options.IMAGE_SIZE_CAP),
                        clock);
                http = new HttpApi(
                                HttpSettings.from(config),
                                authenticator(config, json, localClock),
                                tasks,
                                schema,
                                imageService,
                                imageImports,
                                imageSchema,
                                policy,
                                json,
                                metrics,
                                database::reachable)
                        .start();
                parts.addFirst(http::stop);
            }
            if (engine != null) {
                parts.addFirst(engine.start());
            }
            parts.addFirst(jobs.start());
            return new Loupe(parts, http, engine);
        } catch (RuntimeException e) {
            close(parts);
            throw e;
        }
    }

    /** How this process names itself in leases and logs: the host, the process and a random part. */
    private static String nodeName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        String name = host + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        return name.length() <= 64 ? name : name.substring(name.length() - 64);
    }

    /** The strategy {@code [DEFAULT] auth_strategy} names. */
    private static Authenticator authenticator(Config config, ObjectMapper json, Clock clock) {
        return switch (config.get(Options.AUTH_STRATEGY)) {
            case "keystone" -> new KeystoneAuthenticator(KeystoneSettings.from(config), json, clock).checkServiceUser();
            default -> new HeaderAuthenticator();
        };
    }

    /** {@code PUT /v2/images/{id}/file} goes through the same one pass as an import. */
    private static UploadIntake uploads(Config config, ImageStore store) {
        return new UploadIntake(
                store, new HashAlgorithm(config.get(Options.HASHING_ALGORITHM)), config.get(Options.IMAGE_SIZE_CAP));
    }

    /** The {@code import} task and the interoperable import's {@code api_image_import}, on one pipeline. */
    private static Handlers imports(
            Config config,
            ImageRepository images,
            ImportState importState,
            StagingArea staging,
            ImageStore store,
            Clock clock) {
        return ApiImportHandler.handlers(
                images,
                importState,
                staging,
                store,
                new Fetcher(FetchSettings.from(config)),
                new HashAlgorithm(config.get(Options.HASHING_ALGORITHM)),
                Conversion.to(config.get(Options.CONVERSION_FORMAT), directory(config, Options.WORK_DIR, "work")),
                clock,
                config.get(Options.SOURCE_RETRIES));
    }

    /**
     * The stores of {@code [glance_store]}: new data goes to {@code default_store}; the filesystem store stays to
     * read and delete what was stored in it before a switch to S3, and the S3 store, once configured, stays for the
     * reverse switch.
     */
    static ImageStore imageStore(Config config) {
        Path directory = directory(config, Options.FILESYSTEM_STORE_DATADIR, "images");
        boolean toS3 = config.get(Options.DEFAULT_STORE).equals("s3");
        try {
            if (toS3) {
                S3Store s3 = S3Store.open(S3Settings.from(config));
                return new RoutingStore(s3, List.of(new FilesystemStore(directory)));
            }
            FilesystemStore files = new FilesystemStore(directory).open();
            if (config.get(Options.S3_STORE_HOST).isBlank()) {
                return new RoutingStore(files, List.of());
            }
            return new RoutingStore(files, List.of(S3Store.open(S3Settings.from(config))));
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
            org.slf4j.LoggerFactory.getLogger(Loupe.class)
                    .warn(
                            "Listening on {} with auth_strategy = headers:"
                                    + " anyone who can reach this address can claim any identity (X-Roles: admin). Put an"
                                    + " authenticating proxy in front, or bind to 127.0.0.1.",
                            host);
        }
    }

    /** The HTTP port: the API's, or a worker-only node's monitoring port ({@code /healthcheck}, {@code /metrics}). */
    public int port() {
        return http == null ? -1 : http.port();
    }

    /** This process's task engine; empty for an API-only process. */
    public Optional<TaskEngine> engine() {
        return Optional.ofNullable(engine);
    }

    /** Releases the tasks this node runs for other nodes (or this one, restarted) to run at once: a stop in a hurry. */
    public void releaseRunningTasks() {
        engine().ifPresent(TaskEngine::releaseRunning);
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
