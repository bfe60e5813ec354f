package dev.loupe.http;

import dev.loupe.LoupeException.InvalidInput;
import dev.loupe.image.Requester;
import dev.loupe.policy.Credentials;
import dev.loupe.policy.Policy;
import dev.loupe.task.Caller;
import io.javalin.http.Context;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The caller as an authenticating proxy describes it in headers, read exactly as Glance's context middleware
 * reads them: {@code X-Identity-Status: Confirmed} or 401; the project from {@code X-Project-Id} (or the older
 * {@code X-Tenant-Id}); roles lower-cased.
 */
record Identity(Credentials credentials, String requestId, boolean admin) {

    static final String ATTRIBUTE = "loupe.identity";
    private static final int MAX_ID_LENGTH = 255;

    static Identity authenticate(Context ctx, String requestId, Policy policy) {
        if (!"Confirmed".equals(ctx.header("X-Identity-Status"))) {
            throw HttpFailure.unauthorized();
        }
        String project = bounded("X-Project-Id", first(ctx.header("X-Project-Id"), ctx.header("X-Tenant-Id")));
        String user = bounded("X-User-Id", first(ctx.header("X-User-Id"), ctx.header("X-User")));
        String rolesHeader = ctx.header("X-Roles");
        Set<String> roles = rolesHeader == null ? Set.of() : Arrays.stream(rolesHeader.split(","))
                .map(r -> r.strip().toLowerCase(Locale.ROOT))
                .filter(r -> !r.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        Credentials credentials = new Credentials(project, user, roles);
        boolean admin = policy.allows("context_is_admin", credentials, target(credentials));
        return new Identity(credentials, requestId, admin);
    }

    static Identity of(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }

    /** Throws 403 with upstream's message unless the policy rule passes. */
    void require(Policy policy, String rule) {
        if (!policy.allows(rule, credentials, target(credentials))) {
            throw HttpFailure.forbidden("You are not authorized to complete " + rule + " action.");
        }
    }

    Requester requester() {
        return new Requester(credentials, admin);
    }

    Caller caller() {
        return new Caller(credentials.projectId(), credentials.userId(), requestId, admin);
    }

    private static Map<String, String> target(Credentials credentials) {
        return credentials.projectId() == null ? Map.of() : Map.of("project_id", credentials.projectId());
    }

    /** Ids are stored in columns of 255 characters; a longer one is refused rather than cut. */
    private static String bounded(String header, String value) {
        if (value != null && value.length() > MAX_ID_LENGTH) {
            throw new InvalidInput(header + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        return value;
    }

    private static String first(String a, String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }
}
