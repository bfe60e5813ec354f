package dev.loupe.http;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code x-openstack-request-id} of an answer: the caller's {@code X-Openstack-Request-Id} when it has one of
 * at most {@value #MAX_LENGTH} characters, otherwise a new {@code req-<uuid>}; always with the {@code req-} prefix.
 */
final class RequestId {

    static final String HEADER = "X-Openstack-Request-Id";
    static final int MAX_LENGTH = 64;

    private RequestId() {}

    /** The request id of a request as its context keeps it: the caller's as sent, or a new one. */
    static String of(String given) {
        return given == null || given.isEmpty() || tooLong(given) ? "req-" + randomUuid() : given;
    }

    /**
     * A version 4 UUID from the thread's own generator: a request id names a request in logs and is no secret, and
     * {@link UUID#randomUUID()} serializes every request on one SecureRandom (a lock and a read of /dev/urandom).
     */
    static UUID randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
        return new UUID(high, low);
    }

    static boolean tooLong(String given) {
        return given != null && given.length() > MAX_LENGTH;
    }

    /** The value of the response header for a request id. */
    static String header(String requestId) {
        return requestId.startsWith("req-") ? requestId : "req-" + requestId;
    }
}
