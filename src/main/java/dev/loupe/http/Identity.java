package dev.loupe.http;

import dev.loupe.auth.Authenticator;
import dev.loupe.policy.Caller;
import dev.loupe.policy.Policy;
import io.javalin.http.Context;

/** The caller of one request, as the {@code auth_strategy} identifies it, kept with the request for its handlers. */
final class Identity {

    private static final String ATTRIBUTE = "loupe.caller";

    private Identity() {}

    static void authenticate(Context ctx, String requestId, Authenticator authenticator, Policy policy) {
        ctx.attribute(ATTRIBUTE, policy.caller(authenticator.authenticate(ctx::header), requestId));
    }

    static Caller of(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }
}
