package dev.loupe.failure;

/**
 * Root of every failure Loupe raises on purpose for a caller or an operator to read. Each subclass names a kind of
 * failure; the HTTP layer maps the kinds to status codes in one place, so services never speak HTTP. The hierarchy
 * is sealed: a new kind is a compile error in that one place until it is given a status.
 */
public abstract sealed class LoupeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private LoupeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The caller sent something that breaks a rule of the API. */
    public static final class InvalidInput extends LoupeException {
        private static final long serialVersionUID = 1L;

        public InvalidInput(String message) {
            super(message, null);
        }
    }

    /** The request proves no identity, or one that does not hold. */
    public static final class Unauthenticated extends LoupeException {
        private static final long serialVersionUID = 1L;

        private final String challenge;

        /** @param challenge the {@code WWW-Authenticate} value that tells clients where to authenticate, or null */
        public Unauthenticated(String message, String challenge) {
            super(message, null);
            this.challenge = challenge;
        }

        public String challenge() {
            return challenge;
        }
    }

    /** The caller is known but not allowed to do this. */
    public static final class Forbidden extends LoupeException {
        private static final long serialVersionUID = 1L;

        public Forbidden(String message) {
            super(message, null);
        }
    }

    /** The thing asked for does not exist, or the caller may not know that it exists. */
    public static final class NotFound extends LoupeException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message, null);
        }
    }

    /** The thing is not in a state that allows this (a task that has already ended cannot be cancelled). */
    public static final class Conflict extends LoupeException {
        private static final long serialVersionUID = 1L;

        public Conflict(String message) {
            super(message, null);
        }
    }

    /** The request is well formed but contradicts an earlier one (an Idempotency-Key reused with another body). */
    public static final class Unprocessable extends LoupeException {
        private static final long serialVersionUID = 1L;

        public Unprocessable(String message) {
            super(message, null);
        }
    }

    /** What the caller sends is larger than a configured limit allows (an image over {@code image_size_cap}). */
    public static final class TooLarge extends LoupeException {
        private static final long serialVersionUID = 1L;

        public TooLarge(String message) {
            super(message, null);
        }
    }

    /** The part of the data asked for does not exist (a byte range past the end, or one that cannot be read). */
    public static final class RangeNotSatisfiable extends LoupeException {
        private static final long serialVersionUID = 1L;

        public RangeNotSatisfiable(String message) {
            super(message, null);
        }
    }

    /** A service Loupe depends on (the identity service) cannot answer now; the request is refused, never let by. */
    public static final class Unavailable extends LoupeException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The configuration cannot be used; raised at start, before anything is served. */
    public static final class BadConfiguration extends LoupeException {
        private static final long serialVersionUID = 1L;

        public BadConfiguration(String message) {
            super(message, null);
        }

        public BadConfiguration(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
