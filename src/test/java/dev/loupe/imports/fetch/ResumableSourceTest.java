package dev.loupe.imports.fetch;

import static dev.loupe.imports.fetch.TestSettings.ANY_PORT;
import static dev.loupe.imports.fetch.TestSettings.filter;
import static dev.loupe.imports.fetch.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.testing.GeneratedSource;
import dev.loupe.testing.SourceServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ResumableSource} on its own: a stall is a break like a reset, each new request resolves the host again
 * through the address check (C8), and the listener hears of each resume.
 */
@Timeout(60)
class ResumableSourceTest {

    private static final long MIB = 1L << 20;
    private static final String HOST = "source.test";

    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private final List<Long> resumes = new CopyOnWriteArrayList<>();
    private final ResumableSource.Listener listener = new ResumableSource.Listener() {
        @Override
        public void resumed(long at) {
            resumes.add(at);
        }

        @Override
        public void startedOver(String why) {
            resumes.add(-1L);
        }
    };
    private SourceServer server;

    @BeforeEach
    void start() {
        server = SourceServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Resolves {@link #HOST} to 127.0.0.1 (allowed by name), or fails from the given lookup on (1-based). */
    private Fetcher fetcher(int failingLookup) {
        Resolver resolver = host -> {
            lookups.add(host);
            if (lookups.size() >= failingLookup) {
                throw new UnknownHostException(host);
            }
            return List.of(InetAddress.getByName("127.0.0.1"));
        };
        return new Fetcher(settings(filter(ANY_PORT, "import_filtering_opts.allowed_hosts=[" + HOST + "]"), resolver));
    }

    private String url(String path) {
        return "http://" + HOST + ":" + server.port() + path;
    }

    private static String md5(InputStream in) {
        return GeneratedSource.digest("MD5", in);
    }

    @Test
    void aStallIsResumedLikeAReset() throws Exception {
        GeneratedSource data = new GeneratedSource(4 * MIB, 1).etag("\"s\"");
        AtomicInteger requests = new AtomicInteger();
        server.handle("/stalls", (request, socket, out) -> {
            if (requests.incrementAndGet() == 1) {
                SourceServer.head(out, "200 OK", "Content-Length: " + 4 * MIB, "Accept-Ranges: bytes", "ETag: \"s\"");
                byte[] first = new byte[(int) MIB];
                GeneratedSource.fill(1, 0, first, 0, first.length);
                out.write(first);
                out.flush();
                SourceServer.stall();
            }
            data.answer(request, socket, out);
        });

        try (ResumableSource source =
                fetcher(Integer.MAX_VALUE).openResumable(url("/stalls"), 0, null, 3, Duration.ofMillis(10), listener)) {
            assertThat(md5(source.body())).isEqualTo(data.digest("MD5"));
        }

        assertThat(requests.get()).isEqualTo(2);
        assertThat(data.requests()).containsExactly("bytes=" + MIB + "-|\"s\"");
        assertThat(resumes).containsExactly(MIB);
    }

    @Test
    void eachTryResolvesTheHostAgainThroughTheAddressCheck() throws Exception {
        GeneratedSource data = new GeneratedSource(8 * MIB, 2).etag("\"r\"").resetAt(2 * MIB, 5 * MIB);
        server.handle("/resets", data);

        try (ResumableSource source =
                fetcher(Integer.MAX_VALUE).openResumable(url("/resets"), 0, null, 3, Duration.ofMillis(10), listener)) {
            assertThat(md5(source.body())).isEqualTo(data.digest("MD5"));
        }

        assertThat(data.requests()).hasSize(3);
        assertThat(lookups).containsExactly(HOST, HOST, HOST);
        assertThat(resumes).hasSize(2);
    }

    @Test
    void aRetryWhoseLookupFailsEndsTheReadWithoutMoreTries() throws Exception {
        GeneratedSource data = new GeneratedSource(8 * MIB, 3).etag("\"u\"").resetAt(2 * MIB);
        server.handle("/unresolvable", data);

        try (ResumableSource source =
                fetcher(2).openResumable(url("/unresolvable"), 0, null, 3, Duration.ofMillis(10), listener)) {
            assertThatThrownBy(() -> md5(source.body()))
                    .cause()
                    .isInstanceOf(SourceReadFailure.class)
                    .hasMessage("Cannot resolve host " + HOST);
        }

        assertThat(lookups).hasSize(2);
        assertThat(data.requests()).hasSize(1);
    }

    @Test
    void aRangeTheSourceCannotSatisfyStartsOver() throws Exception {
        GeneratedSource data = new GeneratedSource(2 * MIB, 4).etag("\"f\"");
        server.handle("/whole", (request, socket, out) -> {
            if (request.header("Range") != null) {
                SourceServer.head(out, "416 Range Not Satisfiable", "Content-Range: bytes */" + 2 * MIB);
                return;
            }
            data.answer(request, socket, out);
        });

        try (ResumableSource source = fetcher(Integer.MAX_VALUE)
                .openResumable(url("/whole"), 2 * MIB, "\"f\"", 3, Duration.ofMillis(10), listener)) {
            assertThat(source.start()).isZero();
            assertThat(md5(source.body())).isEqualTo(data.digest("MD5"));
        }
    }
}
