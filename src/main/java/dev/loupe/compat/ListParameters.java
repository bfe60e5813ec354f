package dev.loupe.compat;

import dev.loupe.failure.LoupeException.InvalidInput;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Pattern;

/** Upstream's parsing of the paging parameters every list takes: {@code limit} and {@code marker}. */
public final class ListParameters {

    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");

    private ListParameters() {}

    /** Python's {@code int()} on the text, with upstream's two messages; a huge positive limit is simply capped. */
    public static int limit(String text) {
        BigInteger value = PythonInt.parse(text).orElseThrow(() -> new InvalidInput("limit param must be an integer"));
        if (value.signum() < 0) {
            throw new InvalidInput("limit param must be positive");
        }
        return (int) Math.min(PythonInt.clamp(value), Integer.MAX_VALUE);
    }

    /** oslo's is_uuid_like: upper case, missing hyphens, braces and a urn:uuid: prefix are all accepted. */
    public static boolean isUuidLike(String value) {
        String v = value.replace("urn:", "").replace("uuid:", "");
        while (v.startsWith("{")) {
            v = v.substring(1);
        }
        while (v.endsWith("}")) {
            v = v.substring(0, v.length() - 1);
        }
        return HEX32.matcher(v.replace("-", "").toLowerCase(Locale.ROOT)).matches();
    }
}
