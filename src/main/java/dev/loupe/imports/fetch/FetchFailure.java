package dev.loupe.imports.fetch;

/**
 * An import source could not be opened. The message is meant for the user as it is: it names what went wrong and,
 * where a setting can change that, which one.
 */
public final class FetchFailure extends Exception {
    private static final long serialVersionUID = 1L;

    FetchFailure(String message) {
        super(message);
    }

    FetchFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
