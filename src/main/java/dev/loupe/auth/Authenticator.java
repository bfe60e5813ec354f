package dev.loupe.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.config.Config;
import dev.loupe.config.Options;
import dev.loupe.policy.Credentials;

import java.time.Clock;

import java.util.function.UnaryOperator;

/** Who is calling, from the request's headers: the {@code [DEFAULT] auth_strategy}. */
public interface Authenticator {

    /**
     * @param header a request header's value by name, or null when absent
     * @throws AuthFailure.Unauthenticated when the request proves no identity (401)
     * @throws AuthFailure.Unavailable     when the identity cannot be checked now (503)
     */
    Credentials authenticate(UnaryOperator<String> header);

    /** The strategy {@code [DEFAULT] auth_strategy} names. */
    static Authenticator from(Config config, ObjectMapper json, Clock clock) {
        return switch (config.get(Options.AUTH_STRATEGY)) {
            case "keystone" -> new KeystoneAuthenticator(KeystoneSettings.from(config), json, clock);
            default -> new HeaderAuthenticator();
        };
    }
}
