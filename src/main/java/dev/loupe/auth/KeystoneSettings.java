package dev.loupe.auth;

import dev.loupe.config.Config;
import dev.loupe.config.Option;
import dev.loupe.config.Options;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code [keystone_authtoken]}, with keystonemiddleware's option names.
 *
 * @param identityUrl Keystone's base URL, without a trailing {@code /v3}
 * @param challenge   the {@code WWW-Authenticate} value of a 401
 * @param cacheSize   answers kept at most ({@code token_cache_size}, Loupe's own)
 */
public record KeystoneSettings(
        String identityUrl,
        String challenge,
        String username,
        String password,
        String projectName,
        String userDomainName,
        String projectDomainName,
        Duration cacheTime,
        int cacheSize,
        Set<String> serviceTokenRoles,
        boolean serviceTokenRolesRequired,
        Duration timeout) {

    /** @throws BadConfiguration naming every required option that is empty */
    public static KeystoneSettings from(Config config) {
        List<String> missing = new ArrayList<>();
        for (Option<String> required :
                List.of(Options.AUTH_URL, Options.USERNAME, Options.PASSWORD, Options.PROJECT_NAME)) {
            if (config.get(required).isBlank()) {
                missing.add(required.key());
            }
        }
        if (!missing.isEmpty()) {
            throw new BadConfiguration("auth_strategy = keystone needs " + String.join(", ", missing));
        }
        String identityUrl = config.get(Options.AUTH_URL).replaceAll("/+$", "").replaceAll("/v3$", "");
        String www = config.get(Options.WWW_AUTHENTICATE_URI);
        return new KeystoneSettings(
                identityUrl,
                "Keystone uri=\"" + (www.isBlank() ? config.get(Options.AUTH_URL) : www) + "\"",
                config.get(Options.USERNAME),
                config.get(Options.PASSWORD),
                config.get(Options.PROJECT_NAME),
                config.get(Options.USER_DOMAIN_NAME),
                config.get(Options.PROJECT_DOMAIN_NAME),
                Duration.ofSeconds(config.get(Options.TOKEN_CACHE_TIME)),
                config.get(Options.TOKEN_CACHE_SIZE),
                Set.copyOf(config.get(Options.SERVICE_TOKEN_ROLES)),
                config.get(Options.SERVICE_TOKEN_ROLES_REQUIRED),
                config.get(Options.HTTP_CONNECT_TIMEOUT));
    }
}
