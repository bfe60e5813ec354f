package dev.loupe.task;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** Upstream's task timestamps: {@code YYYY-MM-DDTHH:MM:SSZ}, UTC, whole seconds. */
public final class Isotime {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private Isotime() {
    }

    public static String format(Instant instant) {
        return FORMAT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** Accepts {@code 2026-11-26T18:12:13Z}, without the Z, or with a space for the T; fractions are dropped. */
    public static Optional<Instant> parse(String text) {
        String t = text.strip().replace(' ', 'T');
        if (t.endsWith("Z")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Optional.of(LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
