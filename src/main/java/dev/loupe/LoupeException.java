package dev.loupe;

/**
 * Root of every failure Loupe raises on purpose. Each subclass names a kind of failure; the HTTP layer maps
 * the kinds to status codes in one place, so services never speak HTTP.
 */
public abstract class LoupeException extends RuntimeException {

    protected LoupeException(String message) {
        super(message);
    }

    protected LoupeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The caller sent something that breaks a rule of the API. */
    public static final class InvalidInput extends LoupeException {
        public InvalidInput(String message) {
            super(message);
        }
    }

    /** The thing asked for does not exist, or the caller may not know that it exists. */
    public static final class NotFound extends LoupeException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** The caller is known but not allowed to do this. */
    public static final class Forbidden extends LoupeException {
        public Forbidden(String message) {
            super(message);
        }
    }

    /** The part of the data asked for does not exist (a byte range past the end, or one that cannot be read). */
    public static final class RangeNotSatisfiable extends LoupeException {
        public RangeNotSatisfiable(String message) {
            super(message);
        }
    }

    /** The configuration cannot be used; raised at start, before anything is served. */
    public static final class BadConfiguration extends LoupeException {
        public BadConfiguration(String message) {
            super(message);
        }

        public BadConfiguration(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
