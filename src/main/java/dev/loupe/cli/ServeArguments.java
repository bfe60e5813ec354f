package dev.loupe.cli;

import dev.loupe.Role;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code loupe serve} as a launcher or a service manager writes it, read without picocli. Picocli's classes are
 * compiled for Java 5, which the JVM's start-up cache (CDS, AOT) cannot hold, and building its model of the commands
 * costs a start a few hundred milliseconds of CPU. Only a plain command line is read here ({@code serve} followed by
 * {@code --config}, {@code --data-dir}, {@code --role} given at most once and {@code --set} any number of times, each
 * as {@code --name value} or {@code --name=value}); anything else (help, a mistake, a value that could be an option or
 * an {@code @file}) is left to picocli, which reads it as it always has, errors and usage included.
 */
final class ServeArguments {

    private ServeArguments() {}

    /** The serve command these arguments ask for, or empty when picocli must read them. */
    static Optional<ServeCommand> parse(String[] args) {
        if (args.length == 0 || !args[0].equals("serve")) {
            return Optional.empty();
        }
        Path config = null;
        Path dataDir = null;
        Role role = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            String value;
            int equals = name.indexOf('=');
            if (name.startsWith("--") && equals > 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return Optional.empty();
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return Optional.empty();
            }
            switch (name) {
                case "--config" -> {
                    config = config == null ? path(value) : null;
                    if (config == null) {
                        return Optional.empty();
                    }
                }
                case "--data-dir" -> {
                    dataDir = dataDir == null ? path(value) : null;
                    if (dataDir == null) {
                        return Optional.empty();
                    }
                }
                case "--role" -> {
                    if (role != null) {
                        return Optional.empty();
                    }
                    role = roleNamed(value);
                    if (role == null) {
                        return Optional.empty();
                    }
                }
                case "--set" -> overrides.add(value);
                default -> {
                    return Optional.empty();
                }
            }
        }
        ServeCommand serve = new ServeCommand();
        serve.settings = new Settings();
        serve.settings.configFile = config;
        serve.settings.dataDir = dataDir == null ? Path.of(Settings.DEFAULT_DATA_DIR) : dataDir;
        serve.settings.overrides = overrides;
        serve.role = role == null ? Role.ALL : role;
        return Optional.of(serve);
    }

    /** The path, or null where picocli would refuse the value. */
    private static Path path(String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** The role an operator names (api, worker, all, in any case), or null. */
    static Role roleNamed(String value) {
        for (Role r : Role.values()) {
            if (r.name().equalsIgnoreCase(value)) {
                return r;
            }
        }
        return null;
    }
}
