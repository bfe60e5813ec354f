package dev.loupe.config;

import dev.loupe.failure.LoupeException.BadConfiguration;
import java.util.ArrayList;
import java.util.List;

/** Reads oslo.config-style INI text: sections, {@code name = value} or {@code name: value}, indented continuations. */
final class IniFile {

    record Entry(String section, String name, String value, String where) {}

    private IniFile() {}

    static List<Entry> parse(List<String> lines, String source) {
        List<Entry> entries = new ArrayList<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            String line = raw.strip();
            String where = source + ":" + (i + 1);
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (Character.isWhitespace(raw.charAt(0))
                    && !entries.isEmpty()
                    && entries.getLast().section().equals(section)) {
                Entry last = entries.removeLast();
                entries.add(new Entry(last.section(), last.name(), last.value() + "\n" + line, last.where()));
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.length() < 3) {
                    throw new BadConfiguration(where + ": malformed section header " + line);
                }
                section = line.substring(1, line.length() - 1).strip();
                continue;
            }
            int sep = separator(line);
            if (sep <= 0) {
                throw new BadConfiguration(where + ": expected 'name = value', got " + line);
            }
            if (section == null) {
                throw new BadConfiguration(
                        where + ": option " + line.substring(0, sep).strip() + " comes before any [section]");
            }
            entries.add(new Entry(
                    section,
                    line.substring(0, sep).strip(),
                    unquote(line.substring(sep + 1).strip()),
                    where));
        }
        return entries;
    }

    /** oslo.config takes a value wrapped in matching quotes as the text inside them. */
    private static String unquote(String value) {
        if (value.length() < 2) {
            return value;
        }
        char quote = value.charAt(0);
        String inside = value.substring(1, value.length() - 1);
        if ((quote == '"' || quote == '\'') && value.charAt(value.length() - 1) == quote && inside.indexOf(quote) < 0) {
            return inside;
        }
        return value;
    }

    private static int separator(String line) {
        int eq = line.indexOf('=');
        int colon = line.indexOf(':');
        if (eq < 0) {
            return colon;
        }
        if (colon < 0) {
            return eq;
        }
        return Math.min(eq, colon);
    }
}
