package dev.loupe.http;

/**
 * Refusals that only exist at the HTTP edge: methods, sizes, media types, headers. The services never see them, so
 * they stay outside {@link dev.loupe.failure.LoupeException}.
 */
final class HttpFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final String BROKEN_ESCAPE = "Malformed request: the request target has a broken %-escape (% must be"
            + " followed by two hexadecimal digits).";

    private final int status;
    private final String allow;

    private HttpFailure(int status, String message, String allow) {
        super(message);
        this.status = status;
        this.allow = allow;
    }

    /** A request target whose %-escapes do not decode (Jetty lets {@code %u0041} through; Javalin cannot decode it). */
    static HttpFailure brokenEscape() {
        return badRequest(BROKEN_ESCAPE);
    }

    /** A request HTTP itself does not allow (its framing, its target), as opposed to invalid API input. */
    static HttpFailure badRequest(String message) {
        return new HttpFailure(400, message, null);
    }

    static HttpFailure methodNotAllowed(String method, String allow) {
        return new HttpFailure(405, "The method " + method + " is not allowed for this resource.", allow);
    }

    /** Upstream's answer to DELETE on a task: tasks are never deleted by callers. */
    static HttpFailure taskDeletion() {
        return new HttpFailure(
                405,
                "This operation is currently not permitted on Glance Tasks. They are auto"
                        + " deleted after reaching the time based on their expires_at property.",
                "GET");
    }

    static HttpFailure tooLarge(long limit) {
        return new HttpFailure(413, "Request body is larger than the limit of " + limit + " bytes.", null);
    }

    static HttpFailure unsupportedMediaType(String contentType) {
        return new HttpFailure(
                415,
                "Unsupported Content-Type '" + contentType + "': request bodies must be JSON (application/json).",
                null);
    }

    static HttpFailure requestIdTooLong(int max) {
        return new HttpFailure(431, "x-openstack-request-id is too long, max size " + max, null);
    }

    int status() {
        return status;
    }

    /** The Allow header of a 405, or null. */
    String allow() {
        return allow;
    }
}
