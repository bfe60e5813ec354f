package dev.loupe.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 server for the tests: S3Proxy (Maven's {@code org.gaul:s3proxy}, copied to {@code target/s3proxy/} by
 * the build) with its filesystem blob store, run as a process of its own from its self-contained jar (on the test
 * classpath its libraries would clash with Loupe's). One process serves the whole test JVM: started by the first
 * class that registers this extension, stopped when the JVM exits. Each test class takes buckets of its own.
 */
public final class S3ProxyServer implements BeforeAllCallback {

    public static final String ACCESS_KEY = "loupe-test-access";
    public static final String SECRET_KEY = "loupe-test-secret-do-not-leak";

    private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");
    private static Process process;
    private static int port;
    private static int securePort;
    private static Path directory;
    private static S3Client client;

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    private static synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing; 'mvn process-test-resources' copies it there");
        }
        try {
            directory = Files.createTempDirectory("loupe-s3proxy");
            Files.createDirectories(directory.resolve("data"));
            writeCertificate();
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                port = freePort();
                securePort = freePort();
                Path properties = directory.resolve("s3proxy.conf");
                Files.writeString(
                        properties,
                        String.join(
                                "\n",
                                List.of(
                                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                                        "s3proxy.secure-endpoint=https://127.0.0.1:" + securePort,
                                        "s3proxy.keystore-path=" + directory.resolve("keystore.p12"),
                                        "s3proxy.keystore-password=" + KEYSTORE_PASSWORD,
                                        "s3proxy.authorization=aws-v2-or-v4",
                                        "s3proxy.identity=" + ACCESS_KEY,
                                        "s3proxy.credential=" + SECRET_KEY,
                                        "jclouds.provider=filesystem-nio2",
                                        "jclouds.filesystem.basedir=" + directory.resolve("data"),
                                        "")));
                String java = ProcessHandle.current().info().command().orElse("java");
                ProcessBuilder builder = new ProcessBuilder(
                                java,
                                "-Xmx512m",
                                "-XX:TieredStopAtLevel=1",
                                "-jar",
                                JAR.toAbsolutePath().toString(),
                                "--properties",
                                properties.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(directory.resolve("s3proxy.log").toFile());
                builder.environment().put("LOG_LEVEL", "warn");
                process = builder.start();
                try {
                    awaitListening();
                    break;
                } catch (IOException e) {
                    process.destroyForcibly();
                    last = e;
                    process = null;
                }
            }
            if (process == null) {
                throw last;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("S3Proxy did not start; see its log in " + directory, e);
        }
        Process started = process;
        Path dir = directory;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.destroy();
            deleteTree(dir);
        }));
        client = S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    private static void awaitListening() throws IOException {
        awaitListening(port);
        awaitListening(securePort);
    }

    private static void awaitListening(int port) throws IOException {
        Await.until(Duration.ofSeconds(60), () -> listening(port), "S3Proxy to listen on port " + port);
    }

    private static boolean listening(int port) throws IOException {
        if (!process.isAlive()) {
            throw new IOException("S3Proxy exited with status " + process.exitValue());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static final String KEYSTORE_PASSWORD = "loupe-test-keystore";

    /** S3Proxy's https certificate (self-signed, for 127.0.0.1) in its keystore, and as PEM for the clients. */
    private static void writeCertificate() throws IOException {
        HeldCertificate certificate = new HeldCertificate.Builder()
                .commonName("127.0.0.1")
                .addSubjectAlternativeName("127.0.0.1")
                .addSubjectAlternativeName("localhost")
                .build();
        Files.writeString(directory.resolve("ca.pem"), certificate.certificatePem());
        try (var out = Files.newOutputStream(directory.resolve("keystore.p12"))) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry(
                    "s3proxy", certificate.keyPair().getPrivate(), KEYSTORE_PASSWORD.toCharArray(), new Certificate[] {
                        certificate.certificate()
                    });
            keyStore.store(out, KEYSTORE_PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** {@code https://127.0.0.1:PORT}: the same server over TLS, with a certificate only {@link #caPem} trusts. */
    public static String secureEndpoint() {
        return "https://127.0.0.1:" + securePort;
    }

    /** The PEM file of the https certificate, as {@code s3_store_cacert} names it. */
    public static Path caPem() {
        return directory.resolve("ca.pem");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder; the JVM is exiting
        }
    }

    /** {@code 127.0.0.1:PORT}, as {@code s3_store_host} names it. */
    public static String host() {
        return "127.0.0.1:" + port;
    }

    public static String endpoint() {
        return "http://" + host();
    }

    /** A client of the test's own, to look at the buckets behind Loupe's back. */
    public static S3Client client() {
        start();
        return client;
    }

    /** A new empty bucket. */
    public static String newBucket() {
        String bucket = "loupe-" + UUID.randomUUID().toString().substring(0, 13);
        client().createBucket(b -> b.bucket(bucket));
        return bucket;
    }

    /**
     * Loupe's options for the S3 store on this server, as {@code --set} takes them.
     *
     * @param more further options
     */
    public static String[] options(String bucket, String... more) {
        return Stream.concat(
                        Stream.of(
                                "glance_store.default_store=s3",
                                "glance_store.s3_store_host=" + host(),
                                "glance_store.s3_store_access_key=" + ACCESS_KEY,
                                "glance_store.s3_store_secret_key=" + SECRET_KEY,
                                "glance_store.s3_store_bucket=" + bucket),
                        Stream.of(more))
                .toArray(String[]::new);
    }

    /** The keys of the objects in the bucket. */
    public static List<String> keys(String bucket) {
        return client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    /** The multipart uploads begun and neither completed nor aborted in the bucket. */
    public static List<MultipartUpload> openUploads(String bucket) {
        return client().listMultipartUploads(b -> b.bucket(bucket)).uploads();
    }

    public static byte[] object(String bucket, String key) {
        return client().getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toBytes())
                .asByteArray();
    }

    /** S3Proxy's log so far, for a failing test's message. */
    public static String log() {
        try {
            return Files.readString(directory.resolve("s3proxy.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
