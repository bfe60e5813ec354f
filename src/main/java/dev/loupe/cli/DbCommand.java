package dev.loupe.cli;

import dev.loupe.compat.PythonJson;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.db.Database;
import dev.loupe.db.PurgeWindow;
import dev.loupe.image.ImageRepository;
import dev.loupe.task.TaskRepository;
import dev.loupe.task.TaskRowMapper;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
        name = "db",
        description = "Database maintenance.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {DbCommand.Migrate.class, DbCommand.Purge.class})
final class DbCommand implements Runnable {

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    /** {@code loupe db} alone: an input error, with the usage that lists the subcommands. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    private static Database open(Settings settings) {
        Config config = settings.load();
        Logging.configure(config);
        return Database.open(config.get(Options.DATABASE_CONNECTION), config.dataDir());
    }

    @Command(name = "migrate", description = "Brings the database schema up to date.")
    static final class Migrate implements Runnable {
        @Mixin
        HelpOption help;

        @Mixin
        Settings settings;

        @Override
        public void run() {
            // Opening the database brings its schema up to date.
            open(settings).close();
            System.out.println("Database schema is up to date.");
        }
    }

    @Command(
            name = "purge",
            description = "Hard-deletes tasks soft-deleted (expired) and images deleted more than" + " N days ago.")
    static final class Purge implements Runnable {
        @Mixin
        HelpOption help;

        @Mixin
        Settings settings;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--age-in-days",
                paramLabel = "N",
                defaultValue = "30",
                description = "Only rows deleted more than N days ago (default: ${DEFAULT-VALUE}).")
        int ageInDays;

        @Option(
                names = "--max-rows",
                paramLabel = "M",
                defaultValue = "-1",
                description = "At most M tasks and M images; -1 for all (default: ${DEFAULT-VALUE}).")
        int maxRows;

        @Override
        public void run() {
            if (ageInDays < 0) {
                throw new ParameterException(spec.commandLine(), "--age-in-days must be 0 or more");
            }
            if (maxRows < -1) {
                throw new ParameterException(spec.commandLine(), "--max-rows must be -1 (no bound) or more");
            }
            try (Database db = open(settings)) {
                PurgeWindow window = new PurgeWindow(
                        Clock.systemUTC().instant().minus(Duration.ofDays(ageInDays)), maxRows, db.dialect());
                int tasks = new TaskRepository(db, new TaskRowMapper(PythonJson.mapper())).purge(window);
                int images = new ImageRepository(db.jdbi()).purge(window);
                System.out.println("Purged " + tasks + " task(s) and " + images + " image(s) deleted more than "
                        + ageInDays + " day(s) ago.");
            }
        }
    }
}
