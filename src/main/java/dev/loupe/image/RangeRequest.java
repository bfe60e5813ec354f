package dev.loupe.image;

import dev.loupe.failure.LoupeException.RangeNotSatisfiable;

/**
 * A part of an image's data a download asks for, as webob parses the request's headers, and the bytes it comes to
 * with upstream's arithmetic (webob's Range: end exclusive, a negative start for a suffix).
 */
public sealed interface RangeRequest {

    /** The bytes to send: {@code length} from {@code offset}. */
    record Window(long offset, long length) {}

    /**
     * {@code Range: bytes=a-b}.
     *
     * @param start the first byte; negative for the last {@code -start} bytes ({@code bytes=-n})
     * @param end   one past the last byte; null for everything from {@code start}
     */
    record Bytes(long start, Long end) implements RangeRequest {
        @Override
        public Window window(long size) {
            if (start >= size) {
                throw new RangeNotSatisfiable("Invalid start position in Range header. Start position MUST be in the"
                        + " inclusive range [0, " + (size - 1) + "].");
            }
            long offset = 0;
            if (start >= 0) {
                offset = start;
            } else if (-start < size) {
                offset = size + start;
            }
            return new Window(offset, end != null && end < size ? end - offset : size - offset);
        }
    }

    /**
     * A {@code Content-Range: bytes a-b/len} request header, which upstream still honours for old clients.
     *
     * @param stop   one past the last byte
     * @param length the total length claimed, or null for {@code *}
     */
    record Content(long start, long stop, Long length) implements RangeRequest {
        @Override
        public Window window(long size) {
            if (length == null && stop > size) {
                throw new RangeNotSatisfiable("Invalid stop position in Content-Range header. The stop position MUST"
                        + " be in the inclusive range [0, " + (size - 1) + "].");
            }
            if (start >= size) {
                throw new RangeNotSatisfiable("Invalid start position in Content-Range header. Start position MUST"
                        + " be in the inclusive range [0, " + (size - 1) + "].");
            }
            // Upstream would announce bytes past the end; never promise more than there is.
            return new Window(start, Math.min(stop, size) - start);
        }
    }

    /**
     * The bytes of data {@code size} bytes long that this request asks for.
     *
     * @throws RangeNotSatisfiable when they lie outside the data
     */
    Window window(long size);
}
