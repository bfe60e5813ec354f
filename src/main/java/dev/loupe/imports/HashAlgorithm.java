package dev.loupe.imports;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/** A {@code [DEFAULT] hashing_algorithm} value (Python hashlib's name) and the JDK digest behind it. */
public record HashAlgorithm(String name) {

    public MessageDigest digest() {
        // sha512 → SHA-512, sha3_256 → SHA3-256
        String upper = name.toUpperCase(Locale.ROOT);
        String jdk = upper.startsWith("SHA3_") ? upper.replace('_', '-') : upper.replaceFirst("^SHA", "SHA-");
        try {
            return MessageDigest.getInstance(jdk);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jdk, e);
        }
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks MD5", e);
        }
    }
}
