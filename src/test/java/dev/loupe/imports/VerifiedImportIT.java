package dev.loupe.imports;

import static dev.loupe.imports.Imports.ADMIN;
import static dev.loupe.imports.Imports.assertFailed;
import static dev.loupe.imports.Imports.assertImported;
import static dev.loupe.imports.Imports.assertStoreMatchesRows;
import static dev.loupe.imports.Imports.create;
import static dev.loupe.imports.Imports.input;
import static dev.loupe.imports.Imports.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.testing.Client;
import dev.loupe.testing.ImageRows;
import dev.loupe.testing.LoupeServer;
import dev.loupe.testing.SourceServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Verified imports (issue 14, Loupe's own): {@code validation_data} with the names of Glance's location API
 * ({@code checksum}, {@code os_hash_algo}, {@code os_hash_value}) is checked at create (400) and verified in the
 * import's one pass, whatever {@code hashing_algorithm} is; a mismatch fails the task and leaves nothing.
 */
class VerifiedImportIT {

    private static final String PATH = "/verified.raw";
    private static final String PROPERTIES = "{\"disk_format\": \"raw\", \"container_format\": \"bare\"}";
    private static final byte[] BYTES = new byte[3 * (1 << 20) + 17];

    @TempDir
    static Path dataDir;

    private static SourceServer source;
    private static LoupeServer loupe;
    private static Client client;

    @BeforeAll
    static void start() {
        new Random(14).nextBytes(BYTES);
        source = SourceServer.start();
        source.serve(PATH, BYTES);
        loupe = LoupeServer.withWorkers(dataDir, UnaryOperator.identity(), Imports.reaching(source));
        client = loupe.client();
    }

    @AfterAll
    static void stop() {
        if (loupe != null) {
            loupe.close();
        }
        if (source != null) {
            source.close();
        }
    }

    private static ObjectNode verified(String validationData) {
        ObjectNode input = input(source.url(PATH), PROPERTIES);
        input.set("validation_data", parse(validationData));
        return input;
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sha256, SHA-256", "sha512, SHA-512", "sha1, SHA-1", "sha3_384, SHA3-384"})
    void theRightDigestGivesAnActiveImage(String algorithm, String jdk) {
        String taskId = create(
                client,
                verified("{\"os_hash_algo\": \"" + algorithm + "\", \"os_hash_value\": \""
                        + hex(jdk, BYTES).toUpperCase(java.util.Locale.ROOT) + "\", \"checksum\": \""
                        + hex("MD5", BYTES) + "\"}"));

        ImageRows.Image image = assertImported(client, dataDir, taskId);
        assertThat(image.checksum()).isEqualTo(hex("MD5", BYTES));
        assertThat(image.osHashAlgo())
                .as("the configured multihash, whatever was verified")
                .isEqualTo("sha512");
        assertThat(image.osHashValue()).isEqualTo(hex("SHA-512", BYTES));
    }

    @Test
    void aChecksumAloneIsVerified() {
        String taskId = create(client, verified("{\"checksum\": \"" + hex("MD5", BYTES) + "\"}"));
        assertImported(client, dataDir, taskId);
    }

    @Test
    void aWrongDigestFailsTheTaskWithBothDigestsAndLeavesNothing() {
        String wrong = "ab".repeat(32);
        String taskId =
                create(client, verified("{\"os_hash_algo\": \"sha256\", \"os_hash_value\": \"" + wrong + "\"}"));

        assertFailed(client, taskId, "Source sha256 is " + hex("SHA-256", BYTES) + "; expected " + wrong);
        assertStoreMatchesRows(dataDir, taskId);
    }

    @Test
    void aWrongChecksumFailsTheTaskAndLeavesNothing() {
        String wrong = "0".repeat(32);
        String taskId = create(client, verified("{\"checksum\": \"" + wrong + "\"}"));

        assertFailed(client, taskId, "Source md5 is " + hex("MD5", BYTES) + "; expected " + wrong);
        assertStoreMatchesRows(dataDir, taskId);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"sha256\"|validation_data must be an object with the digests to verify; it holds checksum (md5), or"
                        + " os_hash_algo and os_hash_value, or all three",
                "{}|validation_data must be an object with the digests to verify; it holds checksum (md5), or"
                        + " os_hash_algo and os_hash_value, or all three",
                "{\"os_hash_algo\": \"sha256\"}|validation_data must give os_hash_algo and os_hash_value together",
                "{\"os_hash_algo\": \"md4\", \"os_hash_value\": \"00\"}|validation_data os_hash_algo 'md4' is not"
                        + " supported; use one of sha1, sha224, sha256, sha384, sha512, sha3_224, sha3_256, sha3_384,"
                        + " sha3_512",
                "{\"os_hash_algo\": \"sha256\", \"os_hash_value\": \"abcd\"}|validation_data os_hash_value must be"
                        + " 64 hexadecimal digits (the sha256 digest)",
                "{\"checksum\": \"zz0123456789abcdef0123456789abcd\"}|validation_data checksum must be 32"
                        + " hexadecimal digits (the md5 digest)",
                "{\"checksum\": 5}|validation_data checksum must be a string",
                "{\"md5\": \"00\"}|validation_data has an unknown key 'md5'; it holds checksum (md5), or os_hash_algo"
                        + " and os_hash_value, or all three",
            })
    void unusableValidationDataIsRefusedAtCreate(String validationData, String message) {
        HttpResponse<String> refused = client.post("/v2/tasks", ADMIN, Imports.importBody(verified(validationData)));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains(message);
    }
}
