package dev.loupe.compat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders JSON values the way Python's {@code repr} renders the parsed values, because upstream's schema error
 * messages (which clients may show verbatim) are built from Python reprs: {@code 'export' is not one of [...]}.
 */
public final class PythonRepr {

    private PythonRepr() {}

    public static String of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "None";
        }
        if (node.isTextual()) {
            return string(node.textValue());
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "True" : "False";
        }
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue().toString();
        }
        if (node.isNumber()) {
            return floatRepr(node.doubleValue());
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(of(item)));
            return "[" + String.join(", ", items) + "]";
        }
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            pairs.add(string(field.getKey()) + ": " + of(field.getValue()));
        }
        return "{" + String.join(", ", pairs) + "}";
    }

    public static String string(String text) {
        char quote = text.contains("'") && !text.contains("\"") ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp == quote) {
                        out.append('\\').append((char) cp);
                    } else if (isPrintable(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp <= 0xff) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (cp <= 0xffff) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        });
        return out.append(quote).toString();
    }

    /** Java's digits are shortest except at a few subnormals (4.9E-324 where Python has 5e-324): trim those. */
    private static BigDecimal shortest(double value) {
        BigDecimal java = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        for (int precision = 1; precision < java.precision(); precision++) {
            BigDecimal fewer = java.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (fewer.doubleValue() == value) {
                return fewer.stripTrailingZeros();
            }
        }
        return java;
    }

    /** Python's str.isprintable(): no control, format, surrogate, private, unassigned or separator (but ' '). */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL,
                    Character.FORMAT,
                    Character.SURROGATE,
                    Character.PRIVATE_USE,
                    Character.UNASSIGNED,
                    Character.SPACE_SEPARATOR,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Python's float repr: the shortest digits that read back to the same double (as Java's), written in
     * positional notation for exponents -4..15 and as {@code 1e+16} / {@code 1e-05} outside.
     */
    private static String floatRepr(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortest(Math.abs(value));
        String digits = shortest.unscaledValue().toString();
        int exponent = shortest.precision() - shortest.scale() - 1;
        String sign = value < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
