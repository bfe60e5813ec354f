package dev.loupe.auth;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.compat.PythonJson;
import dev.loupe.config.Config;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.failure.LoupeException.Unauthenticated;
import dev.loupe.failure.LoupeException.Unavailable;
import dev.loupe.policy.Credentials;
import dev.loupe.testing.Await;
import dev.loupe.testing.Client;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.TestClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ServerSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Token validation against a Keystone v3 stand-in on a real socket: what is asked, what is cached, and how each
 * Keystone failure is answered. The real Keystone suite (clients/) shows the same against Keystone itself.
 */
class KeystoneAuthenticatorTest {

    private static final Instant START = Instant.parse("2026-11-26T12:00:00Z");

    @TempDir
    Path dir;

    private final FakeKeystone keystone = new FakeKeystone();
    private final MockWebServer server = new MockWebServer();
    private final TestClock clock = TestClock.at(START);
    private String url;

    @BeforeEach
    void start() throws Exception {
        server.setDispatcher(keystone);
        server.setServerSocketFactory(new NoDelay());
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        url = "http://127.0.0.1:" + server.getPort();
        keystone.token("user-token", "proj-a", "user-a", List.of("Member", "reader"), START.plus(Duration.ofHours(1)));
    }

    @AfterEach
    void stop() {
        keystone.releaseIssue();
        server.close();
    }

    @Test
    void aValidTokenGivesItsProjectUserAndLowerCasedRoles() {
        Credentials credentials = authenticator().authenticate(headers(Map.of("X-Auth-Token", "user-token")));

        assertThat(credentials).isEqualTo(new Credentials("proj-a", "user-a", Set.of("member", "reader")));
        assertThat(keystone.lastValidation.get()).contains("?nocatalog");
    }

    @Test
    void aThousandRequestsWithOneTokenCostOneValidationAndOneServiceToken() {
        KeystoneAuthenticator authenticator = authenticator();
        for (int i = 0; i < 1000; i++) {
            authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        }

        assertThat(keystone.validations.get()).isEqualTo(1);
        assertThat(keystone.issued.get()).isEqualTo(1);
    }

    @Test
    void concurrentFirstRequestsWithOneTokenShareOneValidation() throws Exception {
        keystone.delay = Duration.ofMillis(200);
        KeystoneAuthenticator authenticator = authenticator();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Credentials>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
            }));
        }
        go.countDown();
        for (Future<Credentials> result : results) {
            assertThat(result.get().userId()).isEqualTo("user-a");
        }
        pool.shutdown();

        assertThat(keystone.validations.get()).isEqualTo(1);
    }

    @Test
    void requestsWithValidatedTokensKeepFlowingWhileAServiceTokenRenewalHangs() throws Exception {
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.http_connect_timeout=120");
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        // Keystone now refuses Loupe's service token, and the renewal that follows hangs.
        keystone.revokeServiceTokens();
        keystone.holdIssue();
        // Many more callers than carrier threads need the renewal: new tokens, each refused with the old one.
        int carriers = Runtime.getRuntime().availableProcessors();
        List<Thread> renewing = new ArrayList<>();
        List<CompletableFuture<Credentials>> renewed = new ArrayList<>();
        for (int i = 0; i < 4 * carriers; i++) {
            String token = "new-" + i;
            keystone.token(token, "proj-a", "user-a", List.of("member"), START.plus(Duration.ofHours(1)));
            CompletableFuture<Credentials> result = new CompletableFuture<>();
            renewed.add(result);
            renewing.add(Thread.ofVirtual().start(() -> {
                try {
                    result.complete(authenticator.authenticate(headers(Map.of("X-Auth-Token", token))));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }));
        }
        keystone.issueArrived.await();
        awaitAllWaitingIn("serviceToken", renewing);

        // Meanwhile requests whose token was validated before are answered, on many virtual threads.
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Credentials>> answered = new ArrayList<>();
            for (int i = 0; i < 16 * carriers; i++) {
                answered.add(requests.submit(
                        () -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")))));
            }
            for (Future<Credentials> answer : answered) {
                // A guard against a hang (carriers pinned), not a measure of speed.
                assertThat(answer.get(60, TimeUnit.SECONDS).userId()).isEqualTo("user-a");
            }
        }
        // Those waiting for the renewal are parked, not blocked on a monitor (which pins the carrier on Java 21).
        assertThat(renewing)
                .as("threads waiting for the service token")
                .noneMatch(thread -> thread.getState() == Thread.State.BLOCKED);

        keystone.releaseIssue();
        for (CompletableFuture<Credentials> result : renewed) {
            assertThat(result.get(60, TimeUnit.SECONDS).userId()).isEqualTo("user-a");
        }
    }

    @Test
    void theApiAndHealthcheckKeepAnsweringWhileAServiceTokenRenewalHangs() throws Exception {
        try (LoupeServer loupe = LoupeServer.start(
                        dir.resolve("loupe"), clock, with(settings(), "keystone_authtoken.http_connect_timeout=120"));
                ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Client bounded = Client.at(loupe.baseUrl()); // with timeouts: a stuck server fails the test
            keystone.token("admin-token", "proj-a", "admin-a", List.of("admin"), START.plus(Duration.ofHours(1)));
            Map<String, String> validated = Map.of("X-Auth-Token", "admin-token");
            assertThat(bounded.get("/v2/tasks", validated).statusCode()).isEqualTo(200);
            // Keystone now refuses Loupe's service token, and the renewal that follows hangs.
            keystone.revokeServiceTokens();
            keystone.holdIssue();
            int carriers = Runtime.getRuntime().availableProcessors();
            List<CompletableFuture<HttpResponse<String>>> renewing = new ArrayList<>();
            for (int i = 0; i < 4 * carriers; i++) {
                String token = "new-" + i;
                keystone.token(token, "proj-a", "user-a", List.of("admin"), START.plus(Duration.ofHours(1)));
                renewing.add(CompletableFuture.supplyAsync(
                        () -> loupe.client().get("/v2/tasks", Map.of("X-Auth-Token", token)), callers));
            }
            keystone.issueArrived.await();

            // Meanwhile the health check and requests whose token was validated before are answered.
            for (int i = 0; i < 4 * carriers; i++) {
                assertThat(bounded.get("/healthcheck", Map.of()).statusCode()).isEqualTo(200);
                assertThat(bounded.get("/v2/tasks", validated).statusCode()).isEqualTo(200);
            }
            assertThat(renewing).as("requests waiting for the renewal").noneMatch(CompletableFuture::isDone);

            keystone.releaseIssue();
            for (CompletableFuture<HttpResponse<String>> answer : renewing) {
                assertThat(answer.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    private static String[] with(String[] settings, String... more) {
        List<String> all = new ArrayList<>(List.of(settings));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void requestsRefusedWithTheSameServiceTokenShareOneRenewal() throws Exception {
        // The renewal is held for up to 10 s below (when a caller comes late): longer than the default 10 s the
        // authenticator waits for Keystone's answer, which then failed the held renewal.
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.http_connect_timeout=120");
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        keystone.revokeServiceTokens();
        keystone.holdIssue();
        int callers = 8;
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Credentials>> answered = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String token = "new-" + i;
                keystone.token(token, "proj-a", "user-a", List.of("member"), START.plus(Duration.ofHours(1)));
                answered.add(requests.submit(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", token)))));
            }
            // Hold the renewal while callers are refused with the old service token: all of them, unless a caller
            // came late and waits for the renewal without asking first (a busy machine); either way one renewal.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (keystone.validations.get() < 1 + callers && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            keystone.releaseIssue();
            for (Future<Credentials> answer : answered) {
                assertThat(answer.get().userId()).isEqualTo("user-a");
            }
        }

        assertThat(keystone.issued.get()).as("service tokens issued").isEqualTo(2);
    }

    /** Waits until each thread is parked or blocked somewhere inside {@code method} of the authenticator. */
    private static void awaitAllWaitingIn(String method, List<Thread> threads) {
        Await.until(
                Duration.ofSeconds(60),
                () -> threads.stream()
                        .allMatch(thread -> thread.getState() != Thread.State.RUNNABLE
                                && thread.getState() != Thread.State.TERMINATED
                                && java.util.Arrays.stream(thread.getStackTrace())
                                        .anyMatch(frame ->
                                                frame.getClassName().equals(KeystoneAuthenticator.class.getName())
                                                        && frame.getMethodName().equals(method))),
                "every caller to wait in " + method);
    }

    @Test
    void pastTokenCacheSizeSomeAnswersAreDroppedNotAll() {
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.token_cache_size=20");
        int tokens = 30;
        for (int i = 0; i < tokens; i++) {
            keystone.token("t-" + i, "proj-a", "user-" + i, List.of("member"), START.plus(Duration.ofHours(1)));
            authenticator.authenticate(headers(Map.of("X-Auth-Token", "t-" + i)));
        }
        assertThat(keystone.validations.get()).isEqualTo(tokens);
        assertThat(authenticator.cachedAnswers()).isEqualTo(20);

        for (int i = 0; i < tokens; i++) {
            assertThat(authenticator
                            .authenticate(headers(Map.of("X-Auth-Token", "t-" + i)))
                            .userId())
                    .isEqualTo("user-" + i);
        }
        int askedAgain = keystone.validations.get() - tokens;

        // The cache held 20 of the 30 answers: at least the other 10 were asked again, and not every one.
        assertThat(askedAgain).isBetween(tokens - 20, tokens - 1);
    }

    @Test
    void anAnswerLeavesTheCacheWhenItsTokenExpiresOrItsCacheTimeEnds() {
        keystone.token("short", "proj-a", "user-a", List.of("member"), START.plus(Duration.ofSeconds(30)));
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.token_cache_time=60");
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "short")));
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "forged"))))
                .isInstanceOf(Unauthenticated.class);
        assertThat(authenticator.cachedAnswers()).isEqualTo(3);

        clock.advance(Duration.ofSeconds(31));
        assertThat(authenticator.cachedAnswers())
                .as("after the short token's expiry")
                .isEqualTo(2);

        clock.advance(Duration.ofSeconds(30));
        assertThat(authenticator.cachedAnswers()).as("after token_cache_time").isZero();
    }

    @Test
    void theAnswerIsKeptForTokenCacheTimeThenAskedAgain() {
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.token_cache_time=60");
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        clock.advance(Duration.ofSeconds(59));
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        assertThat(keystone.validations.get()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));

        assertThat(keystone.validations.get()).isEqualTo(2);
    }

    @Test
    void aTokenIsNeverTrustedPastItsExpiryWhateverTheCacheTime() {
        keystone.token("short", "proj-a", "user-a", List.of("member"), START.plus(Duration.ofSeconds(30)));
        KeystoneAuthenticator authenticator = authenticator();
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "short")));
        clock.advance(Duration.ofSeconds(31));
        keystone.revoke("short");

        assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "short"))))
                .isInstanceOf(Unauthenticated.class);
        assertThat(keystone.validations.get()).isEqualTo(2);
    }

    @Test
    void anUnknownTokenIs401WithTheKeystoneChallengeAndTheAnswerIsKept() {
        KeystoneAuthenticator authenticator =
                authenticator("keystone_authtoken.www_authenticate_uri=https://id.example/v3");
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "forged"))))
                    .isInstanceOfSatisfying(Unauthenticated.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("The request you have made requires authentication.");
                        assertThat(e.challenge()).isEqualTo("Keystone uri=\"https://id.example/v3\"");
                    });
        }
        assertThat(keystone.validations.get()).isEqualTo(1);
    }

    @Test
    void noTokenIs401WithoutAskingKeystone() {
        assertThatThrownBy(() -> authenticator().authenticate(headers(Map.of())))
                .isInstanceOfSatisfying(
                        Unauthenticated.class,
                        e -> assertThat(e.challenge()).isEqualTo("Keystone uri=\"" + url + "/v3\""));
        assertThat(keystone.validations.get()).isZero();
        assertThat(keystone.issued.get()).isZero();
    }

    @Test
    void keystoneAnsweringAnErrorIs503AndNothingIsKept() {
        KeystoneAuthenticator authenticator = authenticator();
        keystone.failing = true;
        assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token"))))
                .isInstanceOf(Unavailable.class)
                .hasMessageContaining("HTTP 503");

        keystone.failing = false;
        assertThat(authenticator
                        .authenticate(headers(Map.of("X-Auth-Token", "user-token")))
                        .userId())
                .isEqualTo("user-a");
    }

    @Test
    void keystoneUnreachableIs503() {
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.http_connect_timeout=2");
        server.close();

        assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token"))))
                .isInstanceOf(Unavailable.class)
                .hasMessageContaining("could not be reached");
    }

    @Test
    void aRefusedServiceTokenIsRenewedOnceThen503() {
        KeystoneAuthenticator authenticator = authenticator();
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        keystone.revokeServiceTokens();
        keystone.token("second", "proj-a", "user-a", List.of("member"), START.plus(Duration.ofHours(1)));

        assertThat(authenticator
                        .authenticate(headers(Map.of("X-Auth-Token", "second")))
                        .userId())
                .isEqualTo("user-a");
        assertThat(keystone.issued.get()).isEqualTo(2);

        keystone.revokeServiceTokens();
        keystone.issueUselessServiceTokens = true;
        keystone.token("third", "proj-a", "user-a", List.of("member"), START.plus(Duration.ofHours(1)));
        assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", "third"))))
                .isInstanceOf(Unavailable.class)
                .hasMessageContaining("refuses Loupe's service token even when renewed");
    }

    @Test
    void aServiceUserKeystoneRefusesIs503SayingWhichUser() {
        keystone.refuseServiceUser = true;

        assertThatThrownBy(() -> authenticator().authenticate(headers(Map.of("X-Auth-Token", "user-token"))))
                .isInstanceOf(Unavailable.class)
                .hasMessageContaining("Keystone refused Loupe's service user loupe (HTTP 401)");
    }

    @Test
    void aServiceUserKeystoneRefusesAtStartStopsTheStartNamingTheOptions() {
        keystone.refuseServiceUser = true;

        assertThatThrownBy(() -> authenticator().checkServiceUser())
                .isInstanceOf(BadConfiguration.class)
                .hasMessage("Keystone at " + url + " refused the service user 'loupe' (HTTP 401): check"
                        + " [keystone_authtoken] username, password, project_name, user_domain_name,"
                        + " project_domain_name");
    }

    @Test
    void theServiceTokenIssuedAtStartIsTheOneRequestsUse() {
        KeystoneAuthenticator authenticator = authenticator().checkServiceUser();
        assertThat(keystone.issued.get()).isEqualTo(1);

        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));

        assertThat(keystone.issued.get()).isEqualTo(1);
    }

    @Test
    void keystoneUnreachableAtStartIsOneWarningAndTheStartGoesOn() {
        try (Logs logs = Logs.of(KeystoneAuthenticator.class)) {
            KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.http_connect_timeout=2");
            server.close();

            authenticator.checkServiceUser();

            assertThat(logs.lines())
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith(
                            "WARN Keystone cannot validate tokens now: Keystone at " + url + " could not be reached")
                    .endsWith("Until it can, requests with a token it has not validated before get 503.");
            assertThat(logs.withStackTraces()).isZero();
        }
    }

    @Test
    void keystoneFailingAtStartIsOneWarningAndRequestsWorkOnceItAnswers() {
        keystone.failing = true;
        try (Logs logs = Logs.of(KeystoneAuthenticator.class)) {
            KeystoneAuthenticator authenticator = authenticator().checkServiceUser();
            keystone.failing = false;
            clock.advance(Duration.ofSeconds(42));

            assertThat(authenticator
                            .authenticate(headers(Map.of("X-Auth-Token", "user-token")))
                            .userId())
                    .isEqualTo("user-a");
            assertThat(logs.lines())
                    .containsExactly(
                            "WARN Keystone cannot validate tokens now: Keystone answered HTTP 503 when asked for"
                                    + " Loupe's service token. Until it can, requests with a token it has not"
                                    + " validated before get 503.",
                            "INFO Keystone validates tokens again, after 42 s; 0 request(s) got 503 meanwhile");
        }
    }

    @Test
    void aKeystoneOutageLogsOneLineWhenItGoesAndOneWhenItComesBack() {
        KeystoneAuthenticator authenticator = authenticator();
        authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
        try (Logs logs = Logs.of(KeystoneAuthenticator.class)) {
            keystone.failing = true;
            for (int i = 0; i < 5; i++) {
                String token = "new-" + i;
                assertThatThrownBy(() -> authenticator.authenticate(headers(Map.of("X-Auth-Token", token))))
                        .isInstanceOf(Unavailable.class);
                clock.advance(Duration.ofSeconds(10));
            }
            // A token validated before the outage still works, and says nothing.
            authenticator.authenticate(headers(Map.of("X-Auth-Token", "user-token")));
            keystone.failing = false;
            keystone.token("new-0", "proj-a", "user-a", List.of("member"), START.plus(Duration.ofHours(1)));
            authenticator.authenticate(headers(Map.of("X-Auth-Token", "new-0")));
            authenticator.authenticate(headers(Map.of("X-Auth-Token", "new-0")));

            assertThat(logs.lines())
                    .containsExactly(
                            "WARN Keystone cannot validate tokens now: Keystone answered HTTP 503 when asked to"
                                    + " validate a token. Until it can, requests with a token it has not validated"
                                    + " before get 503.",
                            "INFO Keystone validates tokens again, after 50 s; 5 request(s) got 503 meanwhile");
            assertThat(logs.withStackTraces()).isZero();
        }
    }

    @Test
    void aWrongServicePasswordStopsLoupesStart() {
        keystone.refuseServiceUser = true;

        assertThatThrownBy(() -> LoupeServer.start(dir.resolve("loupe"), settings()))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageStartingWith("Keystone at " + url + " refused the service user 'loupe'");
    }

    @Test
    void aKeystoneOutageIsLoggedOnceNotOncePerRequest() throws Exception {
        try (LoupeServer loupe = LoupeServer.start(dir.resolve("loupe"), settings());
                Logs auth = Logs.of(KeystoneAuthenticator.class.getPackageName());
                Logs all = Logs.of("dev.loupe")) {
            server.close(); // Keystone goes away: each request's validation fails to connect
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> refused = loupe.client().get("/v2/tasks", Map.of("X-Auth-Token", "new-" + i));
                assertThat(refused.statusCode()).isEqualTo(503);
            }

            assertThat(auth.lines())
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith(
                            "WARN Keystone cannot validate tokens now: Keystone at " + url + " could not be reached");
            assertThat(all.withStackTraces())
                    .as("log events with a stack trace")
                    .isZero();
        }
    }

    /** Log events of some loggers while open, as {@code LEVEL message} lines. */
    private static final class Logs implements AutoCloseable {
        private final ch.qos.logback.classic.Logger logger;
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        private Logs(String name) {
            logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
            appender.start();
            logger.addAppender(appender);
        }

        static Logs of(Class<?> type) {
            return new Logs(type.getName());
        }

        static Logs of(String name) {
            return new Logs(name);
        }

        List<String> lines() {
            return appender.list.stream()
                    .map(event -> event.getLevel() + " " + event.getFormattedMessage())
                    .toList();
        }

        long withStackTraces() {
            return appender.list.stream()
                    .filter(event -> event.getThrowableProxy() != null)
                    .count();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }

    @Test
    void aServiceTokenWithoutARequiredRoleIs401() {
        keystone.token("svc-no-role", "service", "nova", List.of("member"), START.plus(Duration.ofHours(1)));
        keystone.token("svc-ok", "service", "nova", List.of("Service"), START.plus(Duration.ofHours(1)));
        KeystoneAuthenticator authenticator = authenticator("keystone_authtoken.service_token_roles_required=true");

        assertThatThrownBy(() -> authenticator.authenticate(
                        headers(Map.of("X-Auth-Token", "user-token", "X-Service-Token", "svc-no-role"))))
                .isInstanceOf(Unauthenticated.class);
        assertThat(authenticator
                        .authenticate(headers(Map.of("X-Auth-Token", "user-token", "X-Service-Token", "svc-ok")))
                        .userId())
                .isEqualTo("user-a");
        assertThatThrownBy(() -> authenticator.authenticate(
                        headers(Map.of("X-Auth-Token", "user-token", "X-Service-Token", "forged"))))
                .isInstanceOf(Unauthenticated.class);
    }

    @Test
    void missingServiceUserOptionsStopTheStartNamingThem() {
        Config config =
                Config.load(null, List.of("DEFAULT.auth_strategy=keystone", "keystone_authtoken.auth_url=" + url), dir);

        assertThatThrownBy(() -> new KeystoneAuthenticator(KeystoneSettings.from(config), PythonJson.mapper(), clock))
                .hasMessage("auth_strategy = keystone needs keystone_authtoken.username,"
                        + " keystone_authtoken.password, keystone_authtoken.project_name");
    }

    private KeystoneAuthenticator authenticator(String... overrides) {
        List<String> all = new ArrayList<>(List.of(settings()));
        all.addAll(List.of(overrides));
        return new KeystoneAuthenticator(
                KeystoneSettings.from(Config.load(null, all, dir)), PythonJson.mapper(), clock);
    }

    /** The overrides that put Loupe behind the stand-in. */
    private String[] settings() {
        return new String[] {
            "DEFAULT.auth_strategy=keystone",
            "keystone_authtoken.auth_url=" + url + "/v3",
            "keystone_authtoken.username=loupe",
            "keystone_authtoken.password=secret",
            "keystone_authtoken.project_name=service"
        };
    }

    private static UnaryOperator<String> headers(Map<String, String> headers) {
        return headers::get;
    }

    /** Keystone's two token calls, over tokens the test defines. */
    private static final class FakeKeystone extends Dispatcher {
        private final ObjectMapper json = new ObjectMapper();
        private final Map<String, String> tokens = new ConcurrentHashMap<>();
        private final Set<String> serviceTokens = ConcurrentHashMap.newKeySet();
        final AtomicInteger validations = new AtomicInteger();
        final AtomicInteger issued = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicReference<String> lastValidation =
                new java.util.concurrent.atomic.AtomicReference<>();
        volatile boolean failing;
        volatile boolean refuseServiceUser;
        volatile boolean issueUselessServiceTokens;
        volatile Duration delay = Duration.ZERO;
        /** While set, a service-token request waits here until it is counted down. */
        volatile CountDownLatch issueHeld;

        final CountDownLatch issueArrived = new CountDownLatch(1);

        void holdIssue() {
            issueHeld = new CountDownLatch(1);
        }

        void releaseIssue() {
            CountDownLatch held = issueHeld;
            if (held != null) {
                held.countDown();
            }
        }

        void token(String id, String project, String user, List<String> roles, Instant expiresAt) {
            var token = json.createObjectNode();
            var body = token.putObject("token");
            body.putObject("project").put("id", project);
            body.putObject("user").put("id", user);
            var array = body.putArray("roles");
            roles.forEach(role -> array.addObject().put("name", role).put("id", "id-" + role));
            body.put("expires_at", expiresAt.toString().replace("Z", ".000000Z"));
            tokens.put(id, token.toString());
        }

        void revoke(String id) {
            tokens.remove(id);
        }

        void revokeServiceTokens() {
            serviceTokens.clear();
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            Thread.sleep(delay.toMillis());
            if (failing) {
                return new MockResponse.Builder().code(503).build();
            }
            if (request.getMethod().equals("POST")) {
                CountDownLatch held = issueHeld;
                if (held != null) {
                    issueArrived.countDown();
                    held.await();
                }
                if (refuseServiceUser) {
                    return new MockResponse.Builder().code(401).build();
                }
                String id = "svc-" + issued.incrementAndGet();
                if (!issueUselessServiceTokens) {
                    serviceTokens.add(id);
                }
                return new MockResponse.Builder()
                        .code(201)
                        .addHeader("X-Subject-Token", id)
                        .body("{\"token\": {\"expires_at\": \"2099-01-01T00:00:00.000000Z\", \"roles\": []}}")
                        .build();
            }
            validations.incrementAndGet();
            lastValidation.set(request.getTarget());
            if (!serviceTokens.contains(request.getHeaders().get("X-Auth-Token"))) {
                return new MockResponse.Builder().code(401).build();
            }
            String token = tokens.get(request.getHeaders().get("X-Subject-Token"));
            return token == null
                    ? new MockResponse.Builder().code(404).build()
                    : new MockResponse.Builder().code(200).body(token).build();
        }
    }

    /**
     * The stand-in's sockets send at once (TCP_NODELAY): it writes an answer's head and body apart, and Nagle's
     * algorithm with the client's delayed ACK would hold each answer back some 40 ms.
     */
    private static final class NoDelay extends ServerSocketFactory {
        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new ServerSocket() {
                @Override
                public Socket accept() throws IOException {
                    Socket socket = super.accept();
                    socket.setTcpNoDelay(true);
                    return socket;
                }
            };
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            throw new UnsupportedOperationException();
        }
    }
}
