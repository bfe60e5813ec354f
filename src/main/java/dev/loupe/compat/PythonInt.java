package dev.loupe.compat;

import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Python's {@code int()} on text, as upstream applies it to query parameters: surrounding white space (Unicode's
 * too), a sign, digit-group underscores and decimal digits of any script are fine; nothing else is.
 */
public final class PythonInt {

    /** Digits of any script, as Python's int() takes them. */
    private static final Pattern PY_INT = Pattern.compile("[+-]?\\d+(_\\d+)*", Pattern.UNICODE_CHARACTER_CLASS);

    private PythonInt() {}

    /** The value, or empty when Python's int() would raise ValueError. */
    public static Optional<BigInteger> parse(String text) {
        if (plainAscii(text)) {
            // The common case ("20"), without the expression and the big number: its value is the same.
            return Optional.of(BigInteger.valueOf(Long.parseLong(text)));
        }
        String t = stripPythonWhitespace(text);
        if (!PY_INT.matcher(t).matches()) {
            return Optional.empty();
        }
        StringBuilder ascii = new StringBuilder();
        t.codePoints().forEach(cp -> {
            if (cp == '-') {
                ascii.append('-');
            } else if (Character.isDigit(cp)) {
                ascii.append(Character.digit(cp, 10));
            }
        });
        return Optional.of(new BigInteger(ascii.toString()));
    }

    /** An optional sign and 1 to 18 ASCII digits: what Long.parseLong reads exactly as Python's int() does. */
    private static boolean plainAscii(String text) {
        int start = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+') ? 1 : 0;
        int digits = text.length() - start;
        if (digits < 1 || digits > 18) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The value clamped to the range of a long, for comparing with BIGINT columns. */
    public static long clamp(BigInteger value) {
        if (value.bitLength() < Long.SIZE) {
            return value.longValue();
        }
        return value.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }

    private static String stripPythonWhitespace(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /** Python's str.isspace(): Java's white space plus the no-break spaces and NEL. */
    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
