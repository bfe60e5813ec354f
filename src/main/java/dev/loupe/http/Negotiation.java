package dev.loupe.http;

import java.util.Locale;

/** Reads the Accept header just far enough to choose between a JSON and a plain-text error body. */
final class Negotiation {

    private Negotiation() {}

    /** JSON when the client ranks application/json above text/plain (an exact match beats a wildcard at equal q). */
    static boolean prefersJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        double[] json = {0, 0};
        double[] text = {0, 0};
        for (String part : accept.split(",")) {
            String[] params = part.split(";");
            String range = params[0].strip().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < params.length; i++) {
                String p = params[i].strip();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            rank(json, range, "application", "json", q);
            rank(text, range, "text", "plain", q);
        }
        return json[0] > text[0] || json[0] == text[0] && json[0] > 0 && json[1] > text[1];
    }

    /** Keeps the best (q, specificity) of the ranges that match type/subtype. */
    private static void rank(double[] best, String range, String type, String subtype, double q) {
        int specificity;
        if (range.equals(type + "/" + subtype)) {
            specificity = 2;
        } else if (range.equals(type + "/*")) {
            specificity = 1;
        } else if (range.equals("*/*")) {
            specificity = 0;
        } else {
            return;
        }
        if (specificity > best[1] || specificity == best[1] && q > best[0]) {
            // The most specific matching range decides the quality, as in RFC 9110.
            best[0] = q;
            best[1] = specificity;
        }
    }
}
