package dev.loupe.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Python's {@code repr} of what {@code json.loads} makes of a document: the text upstream's schema errors are built
 * from. Each expectation is what CPython 3 prints.
 */
class PythonReprTest {

    /** The value as Loupe parses request bodies. */
    private static String repr(String json) {
        try {
            return PythonRepr.of(PythonJson.mapper().readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static String str(String text) {
        return PythonRepr.of(TextNode.valueOf(text));
    }

    @Test
    void plainStrings() {
        assertThat(str("export")).isEqualTo("'export'");
        assertThat(str("")).isEqualTo("''");
        assertThat(PythonRepr.string("a b")).isEqualTo("'a b'");
    }

    @Test
    void quotes() {
        assertThat(str("it's")).isEqualTo("\"it's\"");
        assertThat(str("say \"hi\"")).isEqualTo("'say \"hi\"'");
        assertThat(str("'\"")).isEqualTo("'\\'\"'");
        assertThat(str("'")).isEqualTo("\"'\"");
        assertThat(str("\"")).isEqualTo("'\"'");
    }

    @Test
    void backslashesAndControlCharacters() {
        assertThat(str("a\\b")).isEqualTo("'a\\\\b'");
        assertThat(str("\n\r\t")).isEqualTo("'\\n\\r\\t'");
        assertThat(str("\u0000\u0001\u001f\u007f")).isEqualTo("'\\x00\\x01\\x1f\\x7f'");
        assertThat(str("\b\f")).isEqualTo("'\\x08\\x0c'");
    }

    @Test
    void printableUnicodeIsKept() {
        assertThat(str("é日本語🙂")).isEqualTo("'é日本語🙂'");
        assertThat(str("пример")).isEqualTo("'пример'");
        assertThat(str("a\u0301")).isEqualTo("'a\u0301'");
    }

    /** repr escapes every character Python does not call printable (categories C* and Z* other than ' '). */
    @Test
    void nonPrintableUnicodeIsEscapedAsPythonDoes() {
        assertThat(str("\u0085")).isEqualTo("'\\x85'");
        assertThat(str("\u00a0")).isEqualTo("'\\xa0'");
        assertThat(str("\u00ad")).isEqualTo("'\\xad'");
        assertThat(str("\u200b")).isEqualTo("'\\u200b'");
        assertThat(str("\u2028")).isEqualTo("'\\u2028'");
        assertThat(str("\u3000")).isEqualTo("'\\u3000'");
        assertThat(str("\ufeff")).isEqualTo("'\\ufeff'");
        assertThat(str("\ue000")).isEqualTo("'\\ue000'");
        assertThat(str("\ud800")).isEqualTo("'\\ud800'");
        assertThat(str(new String(Character.toChars(0xE0001)))).isEqualTo("'\\U000e0001'");
    }

    @Test
    void constants() {
        assertThat(repr("true")).isEqualTo("True");
        assertThat(repr("false")).isEqualTo("False");
        assertThat(repr("null")).isEqualTo("None");
        assertThat(PythonRepr.of(null)).isEqualTo("None");
        assertThat(PythonRepr.of(MissingNode.getInstance())).isEqualTo("None");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0",
                "-0|0",
                "42|42",
                "-7|-7",
                "12345678901234567890123|12345678901234567890123",
                "-12345678901234567890123|-12345678901234567890123",
            })
    void integers(String json, String python) {
        assertThat(repr(json)).isEqualTo(python);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1.5|1.5",
                "1.0|1.0",
                "100.0|100.0",
                "0.1|0.1",
                "3.141592653589793|3.141592653589793",
                "1e15|1000000000000000.0",
                "1e400|inf",
                "-1e400|-inf",
                "1e-400|0.0",
                "9007199254740993.0|9007199254740992.0",
            })
    void floats(String json, String python) {
        assertThat(repr(json)).isEqualTo(python);
    }

    /** Python switches to exponent notation below 1e-4 and from 1e16, with a signed two-digit exponent. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "-0.0|-0.0",
                "1e16|1e+16",
                "1E16|1e+16",
                "1e22|1e+22",
                "0.0001|0.0001",
                "0.00001|1e-05",
                "2.5e-7|2.5e-07",
                "12345678.5|12345678.5",
                "123456789.123|123456789.123",
                "1.5e300|1.5e+300",
                "5e-324|5e-324",
                "1.7976931348623157e308|1.7976931348623157e+308",
            })
    void floatsInExponentNotationAndLargeFloats(String json, String python) {
        assertThat(repr(json)).isEqualTo(python);
    }

    @Test
    void nanAndInfinity() {
        assertThat(PythonRepr.of(DoubleNode.valueOf(Double.NaN))).isEqualTo("nan");
        assertThat(PythonRepr.of(DoubleNode.valueOf(Double.POSITIVE_INFINITY))).isEqualTo("inf");
        assertThat(PythonRepr.of(DoubleNode.valueOf(Double.NEGATIVE_INFINITY))).isEqualTo("-inf");
    }

    @Test
    void nanAndInfinityAsPythonsJsonReadsThem() {
        assertThat(repr("[NaN, Infinity, -Infinity]")).isEqualTo("[nan, inf, -inf]");
    }

    @Test
    void containers() {
        assertThat(repr("[]")).isEqualTo("[]");
        assertThat(repr("{}")).isEqualTo("{}");
        assertThat(repr("[1, \"a\", null]")).isEqualTo("[1, 'a', None]");
        assertThat(repr("{\"a\": [1, true, null, \"x\"], \"b\": {\"c\": 1.5}}"))
                .isEqualTo("{'a': [1, True, None, 'x'], 'b': {'c': 1.5}}");
        assertThat(repr("{\"it's\": {\"\": []}}")).isEqualTo("{\"it's\": {'': []}}");
    }

    @Test
    void keysKeepTheirOrder() {
        assertThat(repr("{\"z\": 1, \"a\": 2, \"m\": 3}")).isEqualTo("{'z': 1, 'a': 2, 'm': 3}");
    }

    @Test
    void theSchemaErrorShapeUpstreamPrints() {
        JsonNode types = parse("[\"import\", \"api_image_import\", \"location_import\"]");
        assertThat(str("export") + " is not one of " + PythonRepr.of(types))
                .isEqualTo("'export' is not one of ['import', 'api_image_import', 'location_import']");
    }

    private static JsonNode parse(String json) {
        try {
            return PythonJson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
