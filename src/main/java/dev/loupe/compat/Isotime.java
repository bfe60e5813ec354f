package dev.loupe.compat;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Upstream's task timestamps: {@code YYYY-MM-DDTHH:MM:SSZ}, UTC, whole seconds. */
public final class Isotime {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter PRIMITIVE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** The iso8601 package's expression, which oslo's parse_isotime uses; {@code $} also before a final newline. */
    private static final Pattern ISO8601 = Pattern.compile("""
            (?<year>[0-9]{4})
            (
                (
                    (-(?<monthdash>[0-9]{1,2}))
                    |
                    (?<month>[0-9]{2})
                    (?!$)
                )
                (
                    (
                        (-(?<daydash>[0-9]{1,2}))
                        |
                        (?<day>[0-9]{2})
                    )
                    (
                        (
                            [\\ T]
                            (?<hour>[0-9]{2})
                            (:?(?<minute>[0-9]{2}))?
                            (
                                :?(?<second>[0-9]{1,2})
                                ([.,](?<fraction>[0-9]+))?
                            )?
                            (?<timezone>
                                Z
                                |
                                (
                                    (?<tzsign>[-+])
                                    (?<tzhour>[0-9]{2})
                                    :?
                                    (?<tzminute>[0-9]{2})?
                                )
                            )?
                        )?
                    )
                )?
            )?
            \\n?""", Pattern.COMMENTS);

    private Isotime() {}

    /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years written as four digits with no sign. */
    private static final long FIRST_PLAIN_SECOND = -62_135_596_800L;

    private static final long LAST_PLAIN_SECOND = 253_402_300_799L;

    /**
     * Written by hand for years 1 to 9999, as the formatter writes them: a page of tasks formats three per task, and
     * the formatter took a tenth of a list request's time.
     */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_PLAIN_SECOND || seconds > LAST_PLAIN_SECOND) {
            return FORMAT.format(instant.truncatedTo(ChronoUnit.SECONDS));
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        byte[] text = new byte[20];
        digits(text, 0, t.getYear(), 4);
        text[4] = '-';
        digits(text, 5, t.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, t.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, t.getHour(), 2);
        text[13] = ':';
        digits(text, 14, t.getMinute(), 2);
        text[16] = ':';
        digits(text, 17, t.getSecond(), 2);
        text[19] = 'Z';
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static void digits(byte[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * oslo's {@code jsonutils.to_primitive} of a datetime, as raw database rows are serialized:
     * {@code YYYY-MM-DDTHH:MM:SS.ffffff}, UTC, no zone suffix.
     */
    public static String primitive(Instant instant) {
        return PRIMITIVE.format(instant);
    }

    /**
     * oslo's {@code timeutils.parse_isotime}, normalized to UTC: {@code 2026}, {@code 2026-11}, {@code 2026-11-26},
     * with a time {@code T18:12}, {@code T18:12:13.5}, and a zone {@code Z}, {@code +01:00}, {@code -0130},
     * {@code +01}; no zone means UTC. Empty when upstream raises ValueError.
     */
    public static Optional<Instant> parseIso8601(String text) {
        Matcher m = ISO8601.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            int year = Integer.parseInt(m.group("year"));
            if (year < 1) {
                return Optional.empty();
            }
            int month = number(m.group("month") != null ? m.group("month") : m.group("monthdash"), 1);
            int day = number(m.group("day") != null ? m.group("day") : m.group("daydash"), 1);
            int hour = number(m.group("hour"), 0);
            int minute = number(m.group("minute"), 0);
            int second = number(m.group("second"), 0);
            String fraction = m.group("fraction");
            int micros = fraction == null ? 0 : Integer.parseInt((fraction + "000000").substring(0, 6));
            LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, micros * 1_000);
            ZoneOffset offset = ZoneOffset.UTC;
            if (m.group("tzsign") != null) {
                int sign = m.group("tzsign").equals("-") ? -1 : 1;
                offset = ZoneOffset.ofHoursMinutes(
                        sign * Integer.parseInt(m.group("tzhour")), sign * number(m.group("tzminute"), 0));
            }
            return Optional.of(local.toInstant(offset));
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static int number(String digits, int absent) {
        return digits == null ? absent : Integer.parseInt(digits);
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
