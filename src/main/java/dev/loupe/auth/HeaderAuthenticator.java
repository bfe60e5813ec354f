package dev.loupe.auth;

import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.policy.Credentials;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * {@code auth_strategy = headers}: the caller as an authenticating proxy describes it, read exactly as Glance's
 * context middleware reads it: {@code X-Identity-Status: Confirmed} or 401; the project from
 * {@code X-Project-Id} (or the older {@code X-Tenant-Id}); roles lower-cased. A 401 carries upstream's text, then
 * (Loupe's own detail, after a blank line) what was wrong with {@code X-Identity-Status}, the one header it requires.
 */
public final class HeaderAuthenticator implements Authenticator {

    /** webob's text for a 401, which Glance answers with. */
    static final String UNAUTHORIZED = "This server could not verify that you are authorized to access the document"
            + " you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser"
            + " does not understand how to supply the credentials required.";

    private static final int MAX_ID_LENGTH = 255;
    /** The longest X-Identity-Status value a 401 repeats; a longer or unprintable one is not repeated. */
    private static final int MAX_ECHOED = 32;

    @Override
    public Credentials authenticate(UnaryOperator<String> header) {
        String status = header.apply("X-Identity-Status");
        if (!"Confirmed".equals(status)) {
            throw new Unauthenticated(UNAUTHORIZED + "\n\n" + whyUnconfirmed(status), null);
        }
        String project = bounded("X-Project-Id", first(header.apply("X-Project-Id"), header.apply("X-Tenant-Id")));
        String user = bounded("X-User-Id", first(header.apply("X-User-Id"), header.apply("X-User")));
        return new Credentials(project, user, roles(header.apply("X-Roles")));
    }

    /** What the request lacks: {@code X-Identity-Status: Confirmed}, which an authenticating proxy sets. */
    private static String whyUnconfirmed(String status) {
        if (status == null) {
            return "Missing header X-Identity-Status: Confirmed.";
        }
        boolean printable = status.length() <= MAX_ECHOED && status.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return printable
                ? "X-Identity-Status is '" + status + "', not Confirmed."
                : "X-Identity-Status is not Confirmed.";
    }

    /** A loop rather than a stream: it runs for every request under /v2, and the stream cost 0.5 us a request. */
    static Set<String> roles(String commaSeparated) {
        if (commaSeparated == null) {
            return Set.of();
        }
        Set<String> roles = new HashSet<>();
        for (String role : commaSeparated.split(",")) {
            String name = role.strip().toLowerCase(Locale.ROOT);
            if (!name.isEmpty()) {
                roles.add(name);
            }
        }
        return Collections.unmodifiableSet(roles);
    }

    /** Ids are stored in columns of 255 characters; a longer one is refused rather than cut. */
    static String bounded(String what, String value) {
        if (value != null && value.length() > MAX_ID_LENGTH) {
            throw new InvalidInput(what + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        return value;
    }

    private static String first(String a, String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }
}
