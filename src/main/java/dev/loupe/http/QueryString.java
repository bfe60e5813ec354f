package dev.loupe.http;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The query string as ordered pairs: the list rules need repeats and order, which a map of lists loses. */
final class QueryString {

    private QueryString() {}

    static List<Map.Entry<String, String>> pairs(String raw) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return pairs;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            pairs.add(Map.entry(decode(key), decode(value)));
        }
        return pairs;
    }

    /** Each key once, with its last value, in order of first appearance (Python's dict of a MultiDict). */
    static Map<String, String> lastValues(List<Map.Entry<String, String>> pairs) {
        Map<String, String> last = new LinkedHashMap<>();
        pairs.forEach(p -> last.put(p.getKey(), p.getValue()));
        return last;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A broken %-escape is kept as typed, as Python's unquote does.
            return text.replace('+', ' ');
        }
    }

    /**
     * Python's {@code "?" + urlencode(params)} for the links of a list, or "" when there are none; quote_plus is
     * URLEncoder, except that '~' stays and '*' is escaped.
     */
    static String urlencode(List<Map.Entry<String, String>> params) {
        if (params.isEmpty()) {
            return "";
        }
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, String> p : params) {
            pairs.add(quotePlus(p.getKey()) + "=" + quotePlus(p.getValue()));
        }
        return "?" + String.join("&", pairs);
    }

    private static String quotePlus(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8)
                .replace("*", "%2A")
                .replace("%7E", "~");
    }
}
