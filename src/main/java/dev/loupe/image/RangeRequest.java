package dev.loupe.image;

/** A part of an image's data a download asks for, as webob parses the request's headers. */
public sealed interface RangeRequest {

    /**
     * {@code Range: bytes=a-b}.
     *
     * @param start the first byte; negative for the last {@code -start} bytes ({@code bytes=-n})
     * @param end   one past the last byte; null for everything from {@code start}
     */
    record Bytes(long start, Long end) implements RangeRequest {
    }

    /**
     * A {@code Content-Range: bytes a-b/len} request header, which upstream still honours for old clients.
     *
     * @param stop   one past the last byte
     * @param length the total length claimed, or null for {@code *}
     */
    record Content(long start, long stop, Long length) implements RangeRequest {
    }
}
