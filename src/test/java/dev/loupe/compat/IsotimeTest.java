package dev.loupe.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Upstream's task timestamps: {@code YYYY-MM-DDTHH:MM:SSZ}, UTC, whole seconds. */
class IsotimeTest {

    @Test
    void formatsUtcToTheSecondWithZ() {
        assertThat(Isotime.format(Instant.parse("2013-09-28T15:27:36Z"))).isEqualTo("2013-09-28T15:27:36Z");
        assertThat(Isotime.format(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void fractionsAreDroppedNotRounded() {
        assertThat(Isotime.format(Instant.parse("2013-09-28T15:27:36.999999Z"))).isEqualTo("2013-09-28T15:27:36Z");
        assertThat(Isotime.format(Instant.parse("2013-12-31T23:59:59.999999999Z")))
                .isEqualTo("2013-12-31T23:59:59Z");
    }

    @Test
    void fieldsAreZeroPadded() {
        assertThat(Isotime.format(Instant.parse("2026-01-02T03:04:05Z"))).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(Isotime.format(Instant.parse("2026-01-02T03:04:05Z")))
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    }

    @Test
    void writesWhatTheFormatterWritesForEveryYear() {
        java.time.format.DateTimeFormatter formatter = java.time.format.DateTimeFormatter.ofPattern(
                        "yyyy-MM-dd'T'HH:mm:ss'Z'")
                .withZone(java.time.ZoneOffset.UTC);
        java.util.Random random = new java.util.Random(42);
        long first = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(first + Math.floorMod(random.nextLong(), last - first + 1), i);
            assertThat(Isotime.format(t))
                    .isEqualTo(formatter.format(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        }
        for (String edge : new String[] {
            "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0000-12-31T23:59:59Z", "+10000-01-01T00:00:00Z"
        }) {
            Instant t = Instant.parse(edge);
            assertThat(Isotime.format(t))
                    .isEqualTo(formatter.format(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        }
    }

    @Test
    void parsesItsOwnFormatAndTheVariantsFilterValuesUse() {
        Instant t = Instant.parse("2026-11-26T18:12:13Z");
        assertThat(Isotime.parse("2026-11-26T18:12:13Z")).contains(t);
        assertThat(Isotime.parse("2026-11-26T18:12:13")).contains(t);
        assertThat(Isotime.parse("2026-11-26 18:12:13")).contains(t);
        assertThat(Isotime.parse(" 2026-11-26T18:12:13Z ")).contains(t);
        assertThat(Isotime.parse("2026-11-26T18:12:13.654321Z")).contains(t);
        assertThat(Isotime.parse("2026-11-26T18:12:13.654321")).contains(t);
    }

    @Test
    void roundTrip() {
        for (String text : new String[] {"1970-01-01T00:00:00Z", "2000-02-29T12:00:00Z", "2099-12-31T23:59:59Z"}) {
            assertThat(Isotime.parse(text).map(Isotime::format)).contains(text);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "yesterday",
                "2026-13-01T00:00:00Z",
                "2026-02-30T00:00:00Z",
                "2026-01-01T24:00:01Z",
                "2026-01-01",
                "18:12:13",
                "2026-01-01T00:00:00+02:00",
                "2026/01/01 00:00:00",
                "1764180733"
            })
    void anythingElseIsNoTime(String text) {
        assertThat(Isotime.parse(text)).isEmpty();
    }
}
