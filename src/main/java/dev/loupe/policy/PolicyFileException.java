package dev.loupe.policy;

import dev.loupe.LoupeException;

/** A policy file Loupe refuses to start with; the message names the file and, where there is one, the rule at fault. */
public final class PolicyFileException extends LoupeException {
    PolicyFileException(String message) {
        super(message);
    }

    PolicyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
