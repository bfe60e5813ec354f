package dev.loupe.imports.fetch;

import java.io.IOException;

/**
 * Reading an opened source failed: it ended early, stalled, broke off or grew past the size cap. It is an
 * {@link IOException} because it comes out of the body stream, wherever the pipeline copies that stream to; the
 * message is meant for the user as it is, unlike those of the I/O errors it replaces.
 */
public final class SourceReadFailure extends IOException {
    private static final long serialVersionUID = 1L;

    SourceReadFailure(String message) {
        super(message);
    }

    SourceReadFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
