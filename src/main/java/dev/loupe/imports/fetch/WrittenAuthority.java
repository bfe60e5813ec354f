package dev.loupe.imports.fetch;

import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The scheme and authority a URL reference spells out, found where OkHttp's {@link HttpUrl} finds them but before
 * it canonicalizes the host, which would hide the spelling the filter must judge: OkHttp reads
 * {@code [::ffff:127.0.0.1]}, {@code %31%32%37.0.0.1} and full-width digits all as {@code 127.0.0.1}.
 */
final class WrittenAuthority {

    private WrittenAuthority() {}

    /**
     * {@code scheme://authority/} as {@code reference} writes them, or empty when the reference keeps the host of
     * {@code base} (a relative reference) or is no http(s) URL at all.
     *
     * @param base the URL the reference is resolved against; null for an absolute URL on its own
     */
    static Optional<String> of(HttpUrl base, String reference) {
        int pos = 0;
        int limit = reference.length();
        while (pos < limit && isTrimmed(reference.charAt(pos))) {
            pos++;
        }
        while (limit > pos && isTrimmed(reference.charAt(limit - 1))) {
            limit--;
        }
        String scheme;
        int colon = schemeDelimiter(reference, pos, limit);
        if (colon >= 0) {
            scheme = reference.substring(pos, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.empty();
            }
            pos = colon + 1;
        } else if (base != null) {
            scheme = base.scheme();
        } else {
            return Optional.empty();
        }
        int slashes = 0;
        while (pos + slashes < limit && isSlash(reference.charAt(pos + slashes))) {
            slashes++;
        }
        // As OkHttp: fewer than two slashes under the base's own scheme is a path on the base's host.
        if (slashes < 2 && base != null && base.scheme().equals(scheme)) {
            return Optional.empty();
        }
        int start = pos + slashes;
        int end = start;
        while (end < limit && "/\\?#".indexOf(reference.charAt(end)) < 0) {
            end++;
        }
        return Optional.of(scheme + "://" + reference.substring(start, end) + "/");
    }

    /** The reference as an absolute URL the way it was written: with the base's scheme when it names none. */
    static String shown(HttpUrl base, String reference) {
        int from = 0;
        int to = reference.length();
        while (from < to && isTrimmed(reference.charAt(from))) {
            from++;
        }
        while (to > from && isTrimmed(reference.charAt(to - 1))) {
            to--;
        }
        String trimmed = reference.substring(from, to);
        return schemeDelimiter(trimmed, 0, trimmed.length()) >= 0 ? trimmed : base.scheme() + ":" + trimmed;
    }

    /** OkHttp skips these at both ends of a URL. */
    private static boolean isTrimmed(char c) {
        return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
    }

    private static boolean isSlash(char c) {
        return c == '/' || c == '\\';
    }

    /** The index of the colon ending a leading scheme, or -1; the scheme rule OkHttp applies. */
    private static int schemeDelimiter(String text, int pos, int limit) {
        if (limit - pos < 2) {
            return -1;
        }
        char first = text.charAt(pos);
        if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
            return -1;
        }
        for (int i = pos + 1; i < limit; i++) {
            char c = text.charAt(i);
            if (c == ':') {
                return i;
            }
            if (!((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '+'
                    || c == '-'
                    || c == '.')) {
                return -1;
            }
        }
        return -1;
    }
}
