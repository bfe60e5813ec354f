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
    private final String acceptPatch;

    private HttpFailure(int status, String message, String allow) {
        this(status, message, allow, null);
    }

    private HttpFailure(int status, String message, String allow, String acceptPatch) {
        super(message);
        this.status = status;
        this.allow = allow;
        this.acceptPatch = acceptPatch;
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

    /**
     * Upstream's 415 for the image write routes, which name the media types they take: a JSON patch type for PATCH
     * (then {@code Accept-Patch} lists them), {@code application/octet-stream} for data. A request without a
     * Content-Type is reported as {@code text/plain}, as upstream reports it.
     */
    static HttpFailure mediaTypeNotSupported(String contentType, String acceptPatch) {
        String named = contentType == null || contentType.isBlank() ? "text/plain" : contentType;
        return new HttpFailure(
                415, "The request media type " + named + " is not supported by this server.", null, acceptPatch);
    }

    static HttpFailure requestIdTooLong(int max) {
        return new HttpFailure(431, "x-openstack-request-id is too long, max size " + max, null);
    }

    int status() {
        return status;
    }

    /** The Accept-Patch header of a PATCH's 415, or null. */
    String acceptPatch() {
        return acceptPatch;
    }

    /** The Allow header of a 405, or null. */
    String allow() {
        return allow;
    }
}
