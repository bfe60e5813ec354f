package dev.loupe.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.loupe.failure.LoupeException.BadConfiguration;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code auth_strategy = keystone}: each {@code X-Auth-Token} is validated with Keystone ({@code GET
 * /v3/auth/tokens}, Loupe's service token in {@code X-Auth-Token}) and the answer, valid or not, is kept until the
 * earlier of {@code token_cache_time} and the token's expiry, for {@code token_cache_size} tokens at most (past it,
 * the answers least used are dropped). Concurrent requests with the same new token share one validation. Keystone
 * being unreachable refuses the request (503); it never lets one through. An outage is logged in two lines: a
 * warning when Keystone first fails to answer, and a note when it answers again (how long, how many 503s), never a
 * line per request.
 */
public final class KeystoneAuthenticator implements Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(KeystoneAuthenticator.class);
    private static final String UNAUTHENTICATED = "The request you have made requires authentication.";
    private static final String UNAVAILABLE = "The identity service cannot check the request's token now: ";
    /** A service token this close to its expiry is renewed before use. */
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(2);

    private final KeystoneSettings settings;
    private final KeystoneClient keystone;
    private final Clock clock;
    /**
     * Keystone's answers by token digest, each kept until its {@link Verdict#keptUntil()}; at most
     * {@code token_cache_size} of them, the least used dropped first (not all at once).
     */
    private final Cache<String, Verdict> answers;
    /** Validations running now, by token digest: concurrent requests with the same new token share one. */
    private final ConcurrentMap<String, CompletableFuture<Verdict>> validating = new ConcurrentHashMap<>();
    /** Guards {@link #serviceToken}; held only to look at or replace the future, never across a Keystone call. */
    private final ReentrantLock serviceTokenLock = new ReentrantLock();
    /** Loupe's service token: issued, or being issued by one request that the others wait for. */
    private CompletableFuture<KeystoneClient.Token> serviceToken;
    /** The Keystone outage going on now, or null while Keystone answers. */
    private final AtomicReference<Outage> outage = new AtomicReference<>();

    public KeystoneAuthenticator(KeystoneSettings settings, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.keystone = new KeystoneClient(settings, json);
        this.clock = clock;
        Instant origin = clock.instant();
        // Caffeine's time is this clock's: answers run out on the same time line as keptUntil.
        this.answers = Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .expireAfter(Expiry.<String, Verdict>writing((key, verdict) -> keptFor(verdict)))
                .ticker(() -> nanosSince(origin, clock.instant()))
                .executor(Runnable::run)
                .build();
    }

    /** What Keystone said of a token, and until when that answer is kept. */
    private record Verdict(Optional<Credentials> credentials, Instant keptUntil) {}

    /** Since when Keystone has not answered, and how many requests got 503 since. */
    private record Outage(Instant since, AtomicInteger refused) {}

    /**
     * Gets Loupe's service token now, at start, rather than with the first request: a service user Keystone refuses
     * stops the start; a Keystone that cannot answer now is one warning, and the start goes on (the first request
     * that needs Keystone asks again).
     *
     * @return this authenticator, holding the service token when Keystone gave one
     * @throws BadConfiguration when Keystone refuses the service user
     */
    public KeystoneAuthenticator checkServiceUser() {
        try {
            serviceToken(null);
            up();
        } catch (KeystoneClient.ServiceUserRefused e) {
            throw new BadConfiguration("Keystone at " + settings.identityUrl() + " refused the service user '"
                    + settings.username() + "' (HTTP " + e.status() + "): check [keystone_authtoken] username,"
                    + " password, project_name, user_domain_name, project_domain_name");
        } catch (KeystoneClient.Unanswered e) {
            down(e.getMessage());
        }
        return this;
    }

    @Override
    public Credentials authenticate(UnaryOperator<String> header) {
        try {
            return authenticated(header);
        } catch (Unavailable e) {
            Outage now = outage.get();
            if (now != null) {
                now.refused().incrementAndGet();
            }
            throw e;
        }
    }

    private Credentials authenticated(UnaryOperator<String> header) {
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
        Verdict kept = answers.getIfPresent(key);
        if (kept != null && clock.instant().isBefore(kept.keptUntil())) {
            return kept;
        }
        CompletableFuture<Verdict> mine = new CompletableFuture<>();
        CompletableFuture<Verdict> running = validating.putIfAbsent(key, mine);
        if (running != null) {
            // Another request is asking Keystone about this token now: its answer is this request's too.
            return join(running);
        }
        try {
            Verdict answered = answers.getIfPresent(key); // by a request that finished since the first look
            Verdict verdict =
                    answered != null && clock.instant().isBefore(answered.keptUntil()) ? answered : ask(token);
            if (!settings.cacheTime().isZero()) {
                answers.put(key, verdict);
            }
            mine.complete(verdict);
            return verdict;
        } catch (RuntimeException e) {
            // Keystone could not answer: nothing is kept, the next request asks again. Those that waited for this
            // validation get its failure rather than each asking in turn (during an outage, one timeout each).
            mine.completeExceptionally(e);
            throw e;
        } finally {
            validating.remove(key, mine);
        }
    }

    private static long nanosSince(Instant origin, Instant now) {
        return (now.getEpochSecond() - origin.getEpochSecond()) * 1_000_000_000L + now.getNano() - origin.getNano();
    }

    /** How long Caffeine keeps an answer: until its {@link Verdict#keptUntil()}. */
    private Duration keptFor(Verdict verdict) {
        Duration left = Duration.between(clock.instant(), verdict.keptUntil());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** A validation's outcome, or the failure of the request that ran it. */
    private static <T> T join(CompletableFuture<T> shared) {
        try {
            return shared.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    private Verdict ask(String token) {
        Instant now = clock.instant();
        Instant cacheEnd = now.plus(settings.cacheTime());
        Optional<KeystoneClient.Token> answer;
        try {
            String service = serviceToken(null);
            try {
                answer = keystone.validate(service, token);
            } catch (KeystoneClient.ServiceTokenRefused refused) {
                try {
                    answer = keystone.validate(serviceToken(service), token);
                } catch (KeystoneClient.ServiceTokenRefused again) {
                    throw down("Keystone refuses Loupe's service token even when renewed; check [keystone_authtoken]");
                }
            }
        } catch (KeystoneClient.ServiceUserRefused e) {
            throw down("Keystone refused Loupe's service user " + settings.username() + " (HTTP " + e.status()
                    + "); check [keystone_authtoken]");
        } catch (KeystoneClient.Unanswered e) {
            throw down(e.getMessage());
        }
        up();
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
        return join(current).id();
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

    /**
     * Keystone could not answer: the 503 for the request. The first failure of an outage is logged (one line, no
     * stack trace: the reason says what failed); the others are counted by {@link #authenticate}.
     */
    private Unavailable down(String reason) {
        if (outage.get() == null && outage.compareAndSet(null, new Outage(clock.instant(), new AtomicInteger()))) {
            LOG.warn(
                    "Keystone cannot validate tokens now: {}. Until it can, requests with a token it has not validated"
                            + " before get 503.",
                    reason.endsWith(".") ? reason.substring(0, reason.length() - 1) : reason);
        }
        return new Unavailable(UNAVAILABLE + reason, null);
    }

    /** Keystone answered: an outage going on is over. */
    private void up() {
        if (outage.get() == null) {
            return;
        }
        Outage ended = outage.getAndSet(null);
        if (ended != null) {
            LOG.info(
                    "Keystone validates tokens again, after {} s; {} request(s) got 503 meanwhile",
                    Duration.between(ended.since(), clock.instant()).toSeconds(),
                    ended.refused().get());
        }
    }

    /** Answers the cache holds now, once those that ran out or are over its bound are gone; for tests. */
    long cachedAnswers() {
        answers.cleanUp();
        return answers.estimatedSize();
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
