package dev.loupe.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Isotime#parseIso8601} against oslo's parse_isotime + normalize_time, and {@link Isotime#primitive} against
 * jsonutils.to_primitive. Expected values were printed by the Python of glance 25.1 on this machine.
 */
class Iso8601Test {

    @ParameterizedTest
    @CsvSource(
            delimiterString = " => ",
            value = {
                "2026-11-26T18:12:13Z => 2026-11-26T18:12:13Z",
                "2026-11-26T18:12:13 => 2026-11-26T18:12:13Z",
                "2026-11-26 => 2026-11-26T00:00:00Z",
                "2026-11 => 2026-11-01T00:00:00Z",
                "2026 => 2026-01-01T00:00:00Z",
                "20261126 => 2026-11-26T00:00:00Z",
                "2026-11-26 18:12 => 2026-11-26T18:12:00Z",
                "2026-11-26T18:12:13.5+01:00 => 2026-11-26T17:12:13.500000Z",
                "'2026-11-26T18:12:13,123456789-0130' => 2026-11-26T19:42:13.123456Z",
                "2026-11-26T1812 => 2026-11-26T18:12:00Z",
                "2026-11-26T18:12:13+05 => 2026-11-26T13:12:13Z",
                "2026-1-2T03:04:05Z => 2026-01-02T03:04:05Z",
                "2026-11-26T18 => 2026-11-26T18:00:00Z"
            })
    void parsesWhatUpstreamParses(String text, String expected) {
        assertThat(Isotime.parseIso8601(text)).contains(Instant.parse(expected));
    }

    @Test
    void aFinalNewlineIsAllowedAsPythonsDollarAllowsIt() {
        assertThat(Isotime.parseIso8601("2026-11-26T18:12:13Z\n")).contains(Instant.parse("2026-11-26T18:12:13Z"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "202611",
                "2026-11-26T18:12:60Z",
                "0000-01-01",
                "2026-13-01",
                "yesterday",
                "2026-11-26T18:12:13z",
                "2026-11-26t18:12:13",
                "",
                " 2026-11-26",
                "2026-11-26T18:12:13Z "
            })
    void refusesWhatUpstreamRefuses(String text) {
        assertThat(Isotime.parseIso8601(text)).isEmpty();
    }

    @Test
    void primitiveHasSixFractionDigitsAndNoZone() {
        assertThat(Isotime.primitive(Instant.parse("2020-12-18T05:20:38Z"))).isEqualTo("2020-12-18T05:20:38.000000");
        assertThat(Isotime.primitive(Instant.parse("2026-11-28T18:12:28.894596Z")))
                .isEqualTo("2026-11-28T18:12:28.894596");
    }
}
