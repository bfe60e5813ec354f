package dev.loupe.store;

import dev.loupe.config.Config;
import dev.loupe.config.Option;
import dev.loupe.config.Options;
import dev.loupe.failure.LoupeException.BadConfiguration;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The S3 store's settings, from {@code [glance_store]} with glance_store's option names.
 *
 * @param endpoint       where requests go: {@code http://host[:port]} or {@code https://host[:port]}
 * @param locationScheme {@code s3} for an http endpoint, {@code s3+https} for an https one (glance_store's schemes)
 * @param authority      {@code host[:port]}, as locations name it
 * @param pathStyle      bucket in the path rather than in the host name
 * @param singlePutBelow data shorter than this many bytes goes as one PutObject, when it fits in one part
 * @param partSize       bytes of a part, before parts grow for very large images
 * @param threads        threads sending parts, shared by every upload ({@code s3_store_thread_pools})
 * @param sizeCap        the largest image an import brings in ({@code [DEFAULT] image_size_cap}): parts grow so it
 *                       fits in {@code maxParts}
 * @param maxParts       S3's limit on the parts of one upload (10,000); lower only in tests
 * @param cacert         PEM file of trusted CA certificates, or null for the JDK's trust store
 */
public record S3Settings(
        URI endpoint,
        String locationScheme,
        String authority,
        String region,
        String accessKey,
        String secretKey,
        String bucket,
        boolean createBucket,
        boolean pathStyle,
        long singlePutBelow,
        long partSize,
        int threads,
        long sizeCap,
        int maxParts,
        Path cacert,
        boolean requestChecksumsWhenSupported,
        boolean responseChecksumsWhenSupported) {

    private static final long MIB = 1 << 20;
    static final int S3_MAX_PARTS = 10_000;

    /** s3.amazonaws.com, s3.REGION.amazonaws.com, s3-REGION.amazonaws.com and their .com.cn forms. */
    private static final Pattern AWS_HOST =
            Pattern.compile("(?:.+\\.)?s3(?:[.-]([a-z0-9-]+))?\\.amazonaws\\.com(?:\\.cn)?", Pattern.CASE_INSENSITIVE);

    private static final Pattern HOST = Pattern.compile("(?:(https?)://)?([^/@?#\\s]+?)/?");

    /** @throws BadConfiguration naming every required option that is empty, or the one that is wrong */
    public static S3Settings from(Config config) {
        List<String> missing = new ArrayList<>();
        for (Option<String> required : List.of(
                Options.S3_STORE_HOST,
                Options.S3_STORE_ACCESS_KEY,
                Options.S3_STORE_SECRET_KEY,
                Options.S3_STORE_BUCKET)) {
            if (config.get(required).isBlank()) {
                missing.add(required.key());
            }
        }
        if (!missing.isEmpty()) {
            throw new BadConfiguration("The S3 store needs " + String.join(", ", missing));
        }
        String host = config.get(Options.S3_STORE_HOST).strip();
        Matcher m = HOST.matcher(host);
        if (!m.matches()) {
            throw new BadConfiguration(Options.S3_STORE_HOST.key() + " = " + host
                    + ": expected host[:port], http://host[:port] or https://host[:port]");
        }
        boolean https = "https".equalsIgnoreCase(m.group(1));
        String authority = m.group(2);
        URI endpoint;
        try {
            endpoint = new URI((https ? "https://" : "http://") + authority);
            if (endpoint.getHost() == null) {
                throw new java.net.URISyntaxException(authority, "no host");
            }
        } catch (java.net.URISyntaxException e) {
            throw new BadConfiguration(
                    Options.S3_STORE_HOST.key() + " = " + host + ": not a host name with an optional port", e);
        }
        String hostName = endpoint.getHost();
        Matcher aws = AWS_HOST.matcher(hostName);
        boolean onAws = aws.matches();
        String region = config.get(Options.S3_STORE_REGION_NAME).strip();
        if (region.isEmpty()) {
            region = onAws && aws.group(1) != null && !aws.group(1).equals("external-1")
                    ? aws.group(1).toLowerCase(Locale.ROOT)
                    : "us-east-1";
        }
        boolean pathStyle = switch (config.get(Options.S3_STORE_BUCKET_URL_FORMAT)) {
            case "path" -> true;
            case "virtual" -> false;
            default -> !onAws;
        };
        String cacert = config.get(Options.S3_STORE_CACERT).strip();
        boolean integrity = config.get(Options.S3_STORE_ENABLE_DATA_INTEGRITY_PROTECTION);
        return new S3Settings(
                endpoint,
                https ? "s3+https" : "s3",
                authority,
                region,
                config.get(Options.S3_STORE_ACCESS_KEY),
                config.get(Options.S3_STORE_SECRET_KEY),
                config.get(Options.S3_STORE_BUCKET).strip(),
                config.get(Options.S3_STORE_CREATE_BUCKET_ON_PUT),
                pathStyle,
                config.get(Options.S3_STORE_LARGE_OBJECT_SIZE) * MIB,
                config.get(Options.S3_STORE_LARGE_OBJECT_CHUNK_SIZE) * MIB,
                config.get(Options.S3_STORE_THREAD_POOLS),
                config.get(Options.IMAGE_SIZE_CAP),
                S3_MAX_PARTS,
                cacert.isEmpty() ? null : config.resolve(cacert),
                integrity
                        && config.get(Options.S3_STORE_REQUEST_CHECKSUM_CALCULATION)
                                .equals("when_supported"),
                integrity
                        && config.get(Options.S3_STORE_RESPONSE_CHECKSUM_VALIDATION)
                                .equals("when_supported"));
    }

    /** These settings with another part size and part limit: tests exercise many parts with little data. */
    S3Settings withParts(long partSize, int maxParts, long sizeCap) {
        return new S3Settings(
                endpoint,
                locationScheme,
                authority,
                region,
                accessKey,
                secretKey,
                bucket,
                createBucket,
                pathStyle,
                singlePutBelow,
                partSize,
                threads,
                sizeCap,
                maxParts,
                cacert,
                requestChecksumsWhenSupported,
                responseChecksumsWhenSupported);
    }

    /** Never the secret key: settings reach logs and exception messages. */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", pathStyle="
                + pathStyle + ", partSize=" + partSize + ", threads=" + threads + "]";
    }
}
