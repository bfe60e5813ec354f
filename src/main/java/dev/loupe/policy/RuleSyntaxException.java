package dev.loupe.policy;

/** A rule string outside the language Loupe accepts; {@link Policy} adds the file and rule name to the message. */
final class RuleSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RuleSyntaxException(String message) {
        super(message);
    }
}
