package dev.loupe.auth;

import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.policy.Credentials;
import java.util.function.UnaryOperator;

/** Who is calling, from the request's headers: the {@code [DEFAULT] auth_strategy}. */
public interface Authenticator {

    /**
     * @param header a request header's value by name, or null when absent
     * @throws Unauthenticated when the request proves no identity (401)
     * @throws Unavailable     when the identity cannot be checked now (503)
     */
    Credentials authenticate(UnaryOperator<String> header);
}
