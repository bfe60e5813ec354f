package dev.loupe.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.policy.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * {@code auth_strategy = keystone}: each {@code X-Auth-Token} is validated with Keystone ({@code GET
 * /v3/auth/tokens}, Loupe's service token in {@code X-Auth-Token}) and the answer, valid or not, is kept until the
 * earlier of {@code token_cache_time} and the token's expiry. Concurrent requests with the same new token share
 * one validation. Keystone being unreachable refuses the request (503); it never lets one through.
 */
public final class KeystoneAuthenticator implements Authenticator {

    private static final String UNAUTHENTICATED = "The request you have made requires authentication.";
    /** A service token this close to its expiry is renewed before use. */
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(2);

    private static final int MAX_CACHED = 10_000;

    private final KeystoneSettings settings;
    private final KeystoneClient keystone;
    private final Clock clock;
    private final Map<String, CompletableFuture<Verdict>> cache = new ConcurrentHashMap<>();
    private KeystoneClient.Token serviceToken;

    public KeystoneAuthenticator(KeystoneSettings settings, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.keystone = new KeystoneClient(settings, json);
        this.clock = clock;
    }

    /** What Keystone said of a token, and until when that answer is kept. */
    private record Verdict(Optional<Credentials> credentials, Instant keptUntil) {}

    @Override
    public Credentials authenticate(UnaryOperator<String> header) {
        Credentials user = valid(header.apply("X-Auth-Token"));
        String service = header.apply("X-Service-Token");
        if (service != null) {
            Credentials serviceCredentials = valid(service);
            if (settings.serviceTokenRolesRequired()
                    && Collections.disjoint(serviceCredentials.roles(), settings.serviceTokenRoles())) {
                throw unauthenticated();
            }
        }
        return user;
    }

    private Credentials valid(String token) {
        if (token == null || token.isEmpty()) {
            throw unauthenticated();
        }
        return verdict(token).credentials().orElseThrow(this::unauthenticated);
    }

    private Verdict verdict(String token) {
        String key = digest(token);
        while (true) {
            CompletableFuture<Verdict> cached = cache.get(key);
            if (cached != null) {
                Verdict verdict = join(cached);
                if (verdict != null && clock.instant().isBefore(verdict.keptUntil())) {
                    return verdict;
                }
                cache.remove(key, cached);
                continue;
            }
            CompletableFuture<Verdict> mine = new CompletableFuture<>();
            if (cache.putIfAbsent(key, mine) != null) {
                continue;
            }
            try {
                Verdict verdict = ask(token);
                mine.complete(verdict);
                if (settings.cacheTime().isZero()) {
                    cache.remove(key, mine);
                }
                trim();
                return verdict;
            } catch (RuntimeException e) {
                // Keystone could not answer: nothing is kept, the next request asks again.
                cache.remove(key, mine);
                mine.completeExceptionally(e);
                throw e;
            }
        }
    }

    /** Another request's validation of the same token; null when it failed (this one then asks itself). */
    private static Verdict join(CompletableFuture<Verdict> validation) {
        try {
            return validation.join();
        } catch (CompletionException e) {
            return null;
        }
    }

    private Verdict ask(String token) {
        Instant now = clock.instant();
        Instant cacheEnd = now.plus(settings.cacheTime());
        Optional<KeystoneClient.Token> answer;
        try {
            answer = keystone.validate(serviceToken(false), token);
        } catch (KeystoneClient.ServiceTokenRefused refused) {
            try {
                answer = keystone.validate(serviceToken(true), token);
            } catch (KeystoneClient.ServiceTokenRefused again) {
                throw new Unavailable(
                        "The identity service cannot check the request's token now:"
                                + " Keystone refuses Loupe's service token even when renewed; check [keystone_authtoken]",
                        again);
            }
        }
        return answer.filter(valid -> valid.expiresAt().isAfter(now))
                .map(valid -> new Verdict(Optional.of(valid.credentials()), earlier(cacheEnd, valid.expiresAt())))
                .orElseGet(() -> new Verdict(Optional.empty(), cacheEnd));
    }

    private synchronized String serviceToken(boolean renew) {
        if (renew || serviceToken == null || !clock.instant().plus(RENEW_BEFORE).isBefore(serviceToken.expiresAt())) {
            serviceToken = keystone.issueServiceToken();
        }
        return serviceToken.id();
    }

    /** Keeps the cache bounded: first drops answers that ran out, then everything if that was not enough. */
    private void trim() {
        if (cache.size() <= MAX_CACHED) {
            return;
        }
        Instant now = clock.instant();
        cache.values().removeIf(f -> {
            Verdict verdict = f.getNow(null);
            return verdict != null && !now.isBefore(verdict.keptUntil());
        });
        if (cache.size() > MAX_CACHED) {
            cache.clear();
        }
    }

    private Unauthenticated unauthenticated() {
        return new Unauthenticated(UNAUTHENTICATED, settings.challenge());
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** Tokens are bearer secrets: the cache keeps their digests, not the tokens. */
    private static String digest(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
