package dev.loupe.http;

import dev.loupe.auth.Authenticator;
import dev.loupe.image.Requester;
import dev.loupe.policy.Credentials;
import dev.loupe.policy.Policy;
import dev.loupe.task.Caller;
import io.javalin.http.Context;

import java.util.Map;

/**
 * The caller of one request: who the {@code auth_strategy} says it is, and whether the policy makes it an admin.
 */
record Identity(Credentials credentials, String requestId, boolean admin) {

    static final String ATTRIBUTE = "loupe.identity";

    static Identity authenticate(Context ctx, String requestId, Authenticator authenticator, Policy policy) {
        Credentials credentials = authenticator.authenticate(ctx::header);
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
}
