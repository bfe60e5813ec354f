package dev.loupe.cli;

import dev.loupe.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command shares: where the configuration and the data live. */
final class Settings {

    /** Where the data lives unless {@code --data-dir} says otherwise. */
    static final String DEFAULT_DATA_DIR = "data";

    @Option(names = "--config", paramLabel = "FILE", description = "INI file with Glance's option names.")
    Path configFile;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = DEFAULT_DATA_DIR,
            description = "Folder for the embedded database (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--set",
            paramLabel = "SECTION.OPTION=VALUE",
            description = "Overrides one option; may be repeated.")
    List<String> overrides = new ArrayList<>();

    Config load() {
        return Config.load(configFile, overrides, dataDir);
    }
}
