package dev.loupe.auth;

import dev.loupe.LoupeException;

/** Why a request's identity was not established. */
public abstract sealed class AuthFailure extends LoupeException {

    private AuthFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** No identity, or one that does not hold: 401. */
    public static final class Unauthenticated extends AuthFailure {
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

    /** The identity service cannot answer now; the request is refused, never let through: 503. */
    public static final class Unavailable extends AuthFailure {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
