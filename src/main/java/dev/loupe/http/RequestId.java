package dev.loupe.http;

import java.util.UUID;

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
        return given == null || given.isEmpty() || tooLong(given) ? "req-" + UUID.randomUUID() : given;
    }

    static boolean tooLong(String given) {
        return given != null && given.length() > MAX_LENGTH;
    }

    /** The value of the response header for a request id. */
    static String header(String requestId) {
        return requestId.startsWith("req-") ? requestId : "req-" + requestId;
    }
}
