package dev.loupe.auth;

import dev.loupe.compat.PythonJson;
import dev.loupe.config.Config;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code auth_strategy = keystone} with a warm cache: how many requests per second can be authenticated with a
 * token Keystone has already validated (the token's digest, one map lookup, the expiry check). Keystone is a
 * stand-in on loopback that answers the first validation; the tear-down prints how many it answered in all.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class TokenCacheBenchmark {

    private final MockWebServer keystone = new MockWebServer();
    private final AtomicInteger validations = new AtomicInteger();
    private Authenticator authenticator;
    private final UnaryOperator<String> headers = Map.of("X-Auth-Token", "gAAAAABtoken-of-a-user")::get;

    @Setup
    public void setUp() throws Exception {
        keystone.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getMethod().equals("POST")) {
                    return new MockResponse.Builder()
                            .code(201)
                            .addHeader("X-Subject-Token", "service")
                            .body("{\"token\": {\"expires_at\": \"2099-01-01T00:00:00.000000Z\"}}")
                            .build();
                }
                validations.incrementAndGet();
                return new MockResponse.Builder().code(200).body("""
                        {"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "project": {"id": "p"},
                         "user": {"id": "u"}, "roles": [{"name": "admin"}, {"name": "member"}]}}""").build();
            }
        });
        keystone.start(InetAddress.getByName("127.0.0.1"), 0);
        Config config = Config.load(
                null,
                List.of(
                        "DEFAULT.auth_strategy=keystone",
                        "keystone_authtoken.auth_url=http://127.0.0.1:" + keystone.getPort() + "/v3",
                        "keystone_authtoken.username=loupe",
                        "keystone_authtoken.password=secret",
                        "keystone_authtoken.project_name=service"),
                Files.createTempDirectory("loupe-jmh"));
        authenticator =
                new KeystoneAuthenticator(KeystoneSettings.from(config), PythonJson.mapper(), Clock.systemUTC());
        authenticator.authenticate(headers);
    }

    @TearDown
    public void tearDown() {
        System.out.println("Keystone validations during the run: " + validations.get());
        keystone.close();
    }

    @Benchmark
    public Object authenticateWithACachedToken() {
        return authenticator.authenticate(headers);
    }
}
