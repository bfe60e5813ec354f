package dev.loupe.config;

import dev.loupe.failure.LoupeException.BadConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings Loupe runs with: defaults, then the INI file, then {@code --set} overrides. Every value is parsed
 * when loaded, so a bad setting stops the start with its name and line instead of failing a request later.
 */
public final class Config {

    private final Map<Option<?>, Object> values;
    private final Path dataDir;
    private final Path configDir;

    private Config(Map<Option<?>, Object> values, Path dataDir, Path configDir) {
        this.values = values;
        this.dataDir = dataDir;
        this.configDir = configDir;
    }

    public static Config defaults(Path dataDir) {
        return load(null, List.of(), dataDir);
    }

    /**
     * @param file      an INI file, or null for none
     * @param overrides {@code SECTION.OPTION=VALUE} strings applied after the file
     */
    public static Config load(Path file, List<String> overrides, Path dataDir) {
        Map<String, Option<?>> byKey = new HashMap<>();
        for (Option<?> option : Options.ALL) {
            byKey.put(option.key(), option);
        }
        Map<Option<?>, Object> values = new HashMap<>();
        for (Option<?> option : Options.ALL) {
            values.put(option, parse(option, option.defaultText(), "default"));
        }
        if (file != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new BadConfiguration("Cannot read config file " + file + ": " + e.getMessage(), e);
            }
            for (IniFile.Entry entry : IniFile.parse(lines, file.toString())) {
                Option<?> option = byKey.get(entry.section() + "." + entry.name());
                if (option == null) {
                    throw new BadConfiguration(
                            entry.where() + ": unknown option [" + entry.section() + "] " + entry.name());
                }
                values.put(option, parse(option, entry.value(), entry.where()));
            }
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            int dot = override.indexOf('.');
            if (eq < 0 || dot < 0 || dot > eq) {
                throw new BadConfiguration("--set " + override + ": expected SECTION.OPTION=VALUE");
            }
            String key = override.substring(0, eq).strip();
            Option<?> option = byKey.get(key);
            if (option == null) {
                throw new BadConfiguration("--set " + override + ": unknown option " + key);
            }
            values.put(option, parse(option, override.substring(eq + 1), "--set " + key));
        }
        Path configDir = file == null ? null : file.toAbsolutePath().getParent();
        return new Config(values, dataDir.toAbsolutePath(), configDir);
    }

    private static Object parse(Option<?> option, String text, String where) {
        try {
            return option.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadConfiguration(
                    where + ": [" + option.section() + "] " + option.name() + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        return (T) values.get(option);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Resolves a path named in the config file against the file's own folder, as oslo.config does. */
    public Path resolve(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || configDir == null) {
            return p.toAbsolutePath();
        }
        return configDir.resolve(p);
    }
}
