package dev.loupe.imports.fetch;

/**
 * An import source could not be opened. The message is meant for the user as it is: it names what went wrong and,
 * where a setting can change that, which one.
 */
public final class FetchFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;
    private int status;

    FetchFailure(String message) {
        this(message, null, false);
    }

    FetchFailure(String message, Throwable cause) {
        this(message, cause, false);
    }

    FetchFailure(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** The source's answer that this failure reports, with its HTTP status; 0 when it did not answer. */
    FetchFailure answered(int status) {
        this.status = status;
        return this;
    }

    int status() {
        return status;
    }

    /** Whether the connection failed (not a refusal nor an answer), so that trying again later may work. */
    boolean retryable() {
        return retryable;
    }
}
