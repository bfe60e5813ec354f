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
import java.util.concurrent.locks.ReentrantLock;
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
    /** Guards {@link #serviceToken}; held only to look at or replace the future, never across a Keystone call. */
    private final ReentrantLock serviceTokenLock = new ReentrantLock();
    /** Loupe's service token: issued, or being issued by one request that the others wait for. */
    private CompletableFuture<KeystoneClient.Token> serviceToken;

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
        String service = serviceToken(null);
        try {
            answer = keystone.validate(service, token);
        } catch (KeystoneClient.ServiceTokenRefused refused) {
            try {
                answer = keystone.validate(serviceToken(service), token);
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

    /**
     * Loupe's service token, issued when there is none, when it is about to expire, or when Keystone refused it
     * ({@code refused}, the id it refused). One request asks Keystone; the others that need it meanwhile wait for
     * that answer, parked: no monitor is held across the call, which on Java 21 would pin the carrier threads that
     * all requests (virtual threads) share. A failed issue is shared by those waiting for it; the next request
     * asks again.
     */
    private String serviceToken(String refused) {
        CompletableFuture<KeystoneClient.Token> current;
        boolean mine = false;
        serviceTokenLock.lock();
        try {
            current = serviceToken;
            if (current == null || stale(current, refused)) {
                current = new CompletableFuture<>();
                serviceToken = current;
                mine = true;
            }
        } finally {
            serviceTokenLock.unlock();
        }
        if (mine) {
            try {
                current.complete(keystone.issueServiceToken());
            } catch (RuntimeException e) {
                current.completeExceptionally(e);
            }
        }
        try {
            return current.join().id();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    /** Whether a settled service token must be replaced; one still being issued is waited for. */
    private boolean stale(CompletableFuture<KeystoneClient.Token> issued, String refused) {
        if (!issued.isDone()) {
            return false;
        }
        if (issued.isCompletedExceptionally()) {
            return true;
        }
        KeystoneClient.Token token = issued.join();
        return token.id().equals(refused) || !clock.instant().plus(RENEW_BEFORE).isBefore(token.expiresAt());
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
