package dev.loupe.config;

import java.util.List;
import java.util.function.Function;

/**
 * One configuration option: where it lives in the INI file, how its text becomes a value, and its default.
 * Names follow Glance's wherever Glance has the option, so operators can carry their settings over.
 */
public record Option<T>(String section, String name, String defaultText, Function<String, T> parser, String help) {

    public String key() {
        return section + "." + name;
    }

    T parse(String text) {
        return parser.apply(text.strip());
    }

    static Option<String> string(String section, String name, String defaultText, String help) {
        return new Option<>(section, name, defaultText, text -> text, help);
    }

    static Option<Integer> integer(String section, String name, int defaultValue, int min, int max, String help) {
        return new Option<>(
                section,
                name,
                Integer.toString(defaultValue),
                text -> {
                    int value;
                    try {
                        value = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "' is not an integer");
                    }
                    if (value < min || value > max) {
                        throw new IllegalArgumentException(value + " is outside " + min + ".." + max);
                    }
                    return value;
                },
                help);
    }

    static Option<Long> bytes(String section, String name, long defaultValue, String help) {
        return new Option<>(
                section,
                name,
                Long.toString(defaultValue),
                text -> {
                    long value;
                    try {
                        value = Long.parseLong(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "' is not a number of bytes");
                    }
                    if (value < 1) {
                        throw new IllegalArgumentException(value + " must be at least 1 byte");
                    }
                    return value;
                },
                help);
    }

    /** A boolean as oslo.config reads one: true/false, yes/no, on/off, 1/0, in any case. */
    static Option<Boolean> bool(String section, String name, boolean defaultValue, String help) {
        return new Option<>(
                section,
                name,
                Boolean.toString(defaultValue),
                text -> switch (text.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "yes", "on", "1" -> true;
                    case "false", "no", "off", "0" -> false;
                    default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
                },
                help);
    }

    /** A duration in seconds; decimals allowed ({@code 0.5}), so tests can run the engine fast. */
    static Option<java.time.Duration> seconds(String section, String name, String defaultText, String help) {
        return new Option<>(
                section,
                name,
                defaultText,
                text -> {
                    java.math.BigDecimal value;
                    try {
                        value = new java.math.BigDecimal(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "' is not a number of seconds");
                    }
                    if (value.signum() <= 0) {
                        throw new IllegalArgumentException(text + " must be more than 0 seconds");
                    }
                    return java.time.Duration.ofNanos(value.movePointRight(9).longValue());
                },
                help);
    }

    static Option<String> choice(String section, String name, String defaultText, List<String> choices, String help) {
        return new Option<>(
                section,
                name,
                defaultText,
                text -> {
                    if (!choices.contains(text)) {
                        throw new IllegalArgumentException("'" + text + "' is not one of " + choices);
                    }
                    return text;
                },
                help);
    }

    /** A list accepts Glance's bracketed form ({@code [a, b]}) and the plain one ({@code a, b}). */
    static <E> Option<List<E>> list(
            String section, String name, String defaultText, Function<String, E> element, String help) {
        return new Option<>(
                section,
                name,
                defaultText,
                text -> {
                    String body = text;
                    if (body.startsWith("[") && body.endsWith("]")) {
                        body = body.substring(1, body.length() - 1);
                    }
                    if (body.isBlank()) {
                        return List.of();
                    }
                    return java.util.Arrays.stream(body.split(","))
                            .map(String::strip)
                            .map(item -> unquote(item))
                            .map(element)
                            .toList();
                },
                help);
    }

    static Integer port(String text) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(port + " is not a port number (1..65535)");
        }
        return port;
    }

    private static String unquote(String item) {
        if (item.length() >= 2
                && (item.startsWith("'") && item.endsWith("'") || item.startsWith("\"") && item.endsWith("\""))) {
            return item.substring(1, item.length() - 1);
        }
        return item;
    }
}
