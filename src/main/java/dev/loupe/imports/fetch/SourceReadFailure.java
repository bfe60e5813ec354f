package dev.loupe.imports.fetch;

import java.io.IOException;

/**
 * Reading an opened source failed: it ended early, stalled, broke off or grew past the size cap. It is an
 * {@link IOException} because it comes out of the body stream, wherever the pipeline copies that stream to; the
 * message is meant for the user as it is, unlike those of the I/O errors it replaces.
 */
public final class SourceReadFailure extends IOException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /** A failure that trying again cannot mend (the source is too large). */
    SourceReadFailure(String message) {
        super(message);
        this.retryable = false;
    }

    /** The transfer broke (a reset, an early end, a stall): another request may get the rest. */
    SourceReadFailure(String message, Throwable cause) {
        this(message, cause, true);
    }

    SourceReadFailure(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the connection broke, so that asking the source again may get the rest. */
    boolean retryable() {
        return retryable;
    }
}
