package dev.loupe.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading a Prometheus text scrape in tests. */
public final class MetricsText {

    private static final Pattern HELP = Pattern.compile("# HELP (\\S+) ?(.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (\\S+) (\\S+)");

    private MetricsText() {}

    /** Every metric family the scrape declares ({@code # TYPE}) has a {@code # HELP} line with a text. */
    public static void assertEveryMetricHasHelp(String scrape) {
        Map<String, String> help = new HashMap<>();
        int families = 0;
        for (String line : scrape.split("\n")) {
            Matcher h = HELP.matcher(line);
            if (h.matches()) {
                help.put(h.group(1), h.group(2).strip());
            }
        }
        for (String line : scrape.split("\n")) {
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                families++;
                assertThat(help.get(t.group(1))).as("HELP of %s", t.group(1)).isNotBlank();
            }
        }
        assertThat(families).as("metric families in the scrape").isPositive();
    }

    /** The value of the sample with exactly this name and these labels (as written, e.g. {@code {type="import"}}). */
    public static java.util.OptionalDouble value(String scrape, String sample) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return java.util.OptionalDouble.of(
                        Double.parseDouble(line.substring(sample.length() + 1).strip()));
            }
        }
        return java.util.OptionalDouble.empty();
    }
}
