package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The digests a user already knows of the source, to be verified in the import's one pass (Loupe's own, docs/extensions.md):
 * the optional input key {@code validation_data} with the names of Glance's location API, {@code checksum} (md5)
 * and {@code os_hash_algo} with {@code os_hash_value}. Any of the hashlib names {@code [DEFAULT] hashing_algorithm}
 * accepts will do, whatever the configured one.
 *
 * @param checksum  the md5 expected, lower-case hex; null for none
 * @param algorithm the algorithm of {@code hashValue}; null for none
 * @param hashValue the digest expected in {@code algorithm}, lower-case hex
 */
record Verification(String checksum, HashAlgorithm algorithm, String hashValue) {

    static final String KEY = "validation_data";
    static final List<String> ALGORITHMS =
            List.of("sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512");
    private static final Set<String> KEYS = Set.of("checksum", "os_hash_algo", "os_hash_value");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]*");

    /**
     * The input's {@code validation_data}, empty when it has none.
     *
     * @throws Refused when it cannot be used
     */
    static Optional<Verification> of(JsonNode input) {
        JsonNode data = input == null ? null : input.get(KEY);
        if (data == null || data.isNull()) {
            return Optional.empty();
        }
        return parse(data);
    }

    /** Why the input's {@code validation_data} cannot be used (a 400 at create), or empty when it can. */
    static Optional<String> refusal(JsonNode input) {
        JsonNode data = input == null || !input.isObject() ? null : input.get(KEY);
        if (data == null || data.isNull()) {
            return Optional.empty();
        }
        try {
            parse(data);
            return Optional.empty();
        } catch (Refused e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Optional<Verification> parse(JsonNode data) {
        String usage = "; it holds checksum (md5), or os_hash_algo and os_hash_value, or all three";
        if (!data.isObject() || data.isEmpty()) {
            throw new Refused("validation_data must be an object with the digests to verify" + usage);
        }
        for (Iterator<String> names = data.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw new Refused("validation_data has an unknown key '" + name + "'" + usage);
            }
            if (!data.get(name).isTextual()) {
                throw new Refused("validation_data " + name + " must be a string");
            }
        }
        String checksum = null;
        if (data.has("checksum")) {
            checksum = hex(data.get("checksum").textValue(), "checksum", "md5", 16);
        }
        if (data.has("os_hash_algo") != data.has("os_hash_value")) {
            throw new Refused("validation_data must give os_hash_algo and os_hash_value together");
        }
        HashAlgorithm algorithm = null;
        String hashValue = null;
        if (data.has("os_hash_algo")) {
            String name = data.get("os_hash_algo").textValue();
            if (!ALGORITHMS.contains(name)) {
                throw new Refused("validation_data os_hash_algo '" + name + "' is not supported; use one of "
                        + String.join(", ", ALGORITHMS));
            }
            algorithm = new HashAlgorithm(name);
            hashValue = hex(
                    data.get("os_hash_value").textValue(),
                    "os_hash_value",
                    name,
                    algorithm.digest().getDigestLength());
        }
        return Optional.of(new Verification(checksum, algorithm, hashValue));
    }

    private static String hex(String value, String key, String algorithm, int bytes) {
        if (value.length() != 2 * bytes || !HEX.matcher(value).matches()) {
            throw new Refused("validation_data " + key + " must be " + 2 * bytes + " hexadecimal digits (the "
                    + algorithm + " digest)");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    /** What differs between the copied bytes and what was expected, as messages; empty when all matches. */
    List<String> mismatches(Transfer.Copied copied) {
        List<String> mismatches = new ArrayList<>();
        if (checksum != null && !checksum.equals(copied.checksum())) {
            mismatches.add("Source md5 is " + copied.checksum() + "; expected " + checksum);
        }
        if (algorithm != null) {
            String got = copied.digest(algorithm.name());
            if (!hashValue.equals(got)) {
                mismatches.add("Source " + algorithm.name() + " is " + got + "; expected " + hashValue);
            }
        }
        return mismatches;
    }

    /** A {@code validation_data} that cannot be used; the message says why. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }
}
