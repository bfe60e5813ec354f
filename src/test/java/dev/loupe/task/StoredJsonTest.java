package dev.loupe.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.PythonJson;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoredJsonTest {

    private static final ObjectMapper JSON = PythonJson.mapper();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "null",
                "{}",
                "[]",
                "0",
                "-12",
                "123456789012345678901234567890",
                "true",
                "\"\"",
                "{\"import_from\":\"http://example.com/x\",\"import_from_format\":\"raw\",\"image_properties\":{}}",
                "{\"a\":[1,-2,{\"b\":null,\"c\":false}],\"d\":\"\\\"quoted\\\" \\\\ \\n\\r\\t\"}",
                "{\"name\":\"caf\u00e9 \u65e5\u672c \u007f\"}",
                "{\"image_id\":\"11111111-0000-4000-8000-000000000001\"}"
            })
    void copiesWhatWritingTheTreeGivesBack(String text) throws Exception {
        assertThat(StoredJson.stored(text, JSON).canonicalText()).isEqualTo(text);
        assertThat(JSON.writeValueAsString(JSON.readTree(text))).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " {}",
                "{} ",
                "{\"a\": 1}",
                "[1, 2]",
                "{\"a\":1,\"a\":2}",
                "1.0",
                "1e3",
                "-0",
                "01",
                "NaN",
                "\"\\/\"",
                "\"\\u0041\"",
                "\"\\b\"",
                "\"\\u0001\"",
                "\"\ud83d\ude00\"",
                "{\"a\":1",
                "[1,]",
                "{\"a\":1,}",
                "{}{}",
                "nul",
                "{\"a\"1}"
            })
    void leavesAnythingElseToTheTree(String text) {
        assertThat(StoredJson.stored(text, JSON).canonicalText()).isNull();
    }

    @Test
    void aValueBuiltInMemoryHasNoText() throws Exception {
        assertThat(StoredJson.of(JSON.readTree("{}")).canonicalText()).isNull();
    }

    @Test
    void deepOrLongValuesAreLeftToTheTree() {
        assertThat(StoredJson.isCanonical("[".repeat(40) + "]".repeat(40))).isFalse();
        assertThat(StoredJson.isCanonical("[".repeat(10) + "]".repeat(10))).isTrue();
        String longString = "\"" + "x".repeat(StoredJson.MAX_COPIED_CHARS) + "\"";
        assertThat(StoredJson.isCanonical(longString)).isFalse();
    }

    /** Random texts from JSON's pieces: whatever the check lets through reads and writes back to the same text. */
    @Test
    void everyCopiedTextIsWhatTheTreeWrites() throws Exception {
        String[] pieces = {
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"a\"",
            "\"b\"",
            "\"\\n\"",
            "\"\\u0041\"",
            "\"\\/\"",
            "0",
            "-0",
            "12",
            "-3",
            "1.5",
            "1e2",
            "true",
            "false",
            "null",
            " ",
            "\"\u00e9\"",
            "\"x\\\"y\"",
            "00",
            "-"
        };
        Random random = new Random(42);
        int copied = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(12);
            for (int j = 0; j < length; j++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String candidate = text.toString();
            if (StoredJson.isCanonical(candidate)) {
                copied++;
                assertThat(JSON.writeValueAsString(JSON.readTree(candidate)))
                        .as(candidate)
                        .isEqualTo(candidate);
            }
        }
        assertThat(copied).isGreaterThan(100);
    }

    @Test
    void equalByTree() throws Exception {
        assertThat(StoredJson.stored("{\"a\":1}", JSON)).isEqualTo(StoredJson.of(JSON.readTree("{\"a\": 1}")));
    }
}
