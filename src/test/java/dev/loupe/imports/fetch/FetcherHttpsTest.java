package dev.loupe.imports.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loupe.config.Config;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https sources are checked against the JVM's default trust store. The test points that store at its own
 * certificate authority through the standard system properties, as an operator would, and puts them back after.
 */
class FetcherHttpsTest {

    private static final List<String> TRUST_PROPERTIES =
            List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStoreType", "javax.net.ssl.trustStorePassword");

    private final MockWebServer server = new MockWebServer();
    private final HeldCertificate authority = new HeldCertificate.Builder()
            .certificateAuthority(0)
            .commonName("Loupe test CA")
            .build();
    private final Map<String, String> savedProperties = new HashMap<>();

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        HeldCertificate serverCertificate = new HeldCertificate.Builder()
                .addSubjectAlternativeName("127.0.0.1")
                .signedBy(authority)
                .build();
        server.useHttps(new HandshakeCertificates.Builder()
                .heldCertificate(serverCertificate, authority.certificate())
                .build()
                .sslSocketFactory());
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        TRUST_PROPERTIES.forEach(name -> savedProperties.put(name, System.getProperty(name)));
    }

    @AfterEach
    void stop() {
        server.close();
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    private String url() {
        return "https://127.0.0.1:" + server.getPort() + "/image";
    }

    private void trustTheTestAuthority() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("loupe-test-ca", authority.certificate());
        Path file = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    }

    @Test
    void aSourceTrustedByTheDefaultStoreIsFetched() throws Exception {
        trustTheTestAuthority();
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        try (Source source = new Fetcher(TestSettings.loopback()).open(url());
                InputStream body = source.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("disk image");
            assertThat(source.finalUri()).isEqualTo(url());
        }
    }

    @Test
    void anUntrustedCertificateIsNamedAsSuch() {
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        assertThatThrownBy(() -> new Fetcher(TestSettings.loopback()).open(url()))
                .isInstanceOf(FetchFailure.class)
                .hasMessage("Cannot connect to " + url() + ": its TLS certificate is not signed by an authority Loupe"
                        + " trusts (unable to find valid certification path to requested target); a private"
                        + " authority's certificate goes in [task] source_ca_file");
    }

    /** An operator's private authority, named by source_ca_file, is trusted beside the JDK's own. */
    @Test
    void aSourceSignedByTheAuthorityInSourceCaFileIsFetched() throws Exception {
        Path pem = dir.resolve("private-ca.pem");
        Files.writeString(pem, authority.certificatePem());
        FetchSettings settings = FetchSettings.from(Config.load(
                null,
                List.of(
                        "import_filtering_opts.allowed_hosts=[127.0.0.1]",
                        "import_filtering_opts.allowed_ports=[" + server.getPort() + "]",
                        "task.source_ca_file=" + pem),
                dir));
        server.enqueue(new MockResponse.Builder().body("disk image").build());
        try (Source source = new Fetcher(settings).open(url());
                InputStream body = source.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("disk image");
        }
        assertThat(settings.trust().trustManager().getAcceptedIssuers())
                .as("the JDK's own authorities are kept")
                .hasSizeGreaterThan(1);
    }

    @Test
    void aSourceCaFileWithoutCertificatesStopsTheStart() throws Exception {
        Path notPem = dir.resolve("empty.pem");
        Files.writeString(notPem, "no certificate here\n");
        assertThatThrownBy(() -> FetchSettings.from(Config.load(null, List.of("task.source_ca_file=" + notPem), dir)))
                .isInstanceOf(BadConfiguration.class)
                .hasMessageStartingWith("[task] source_ca_file: " + notPem);
    }
}
