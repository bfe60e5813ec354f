package dev.loupe.image;

import java.io.InputStream;

/**
 * Image data on its way to a client: {@code length} bytes from {@code offset} of data {@code size} bytes long.
 *
 * @param partial  a range was asked for (206 with Content-Range), even when it covers all the data
 * @param checksum the md5 of all the data; null when unknown
 */
public record Download(InputStream data, long offset, long length, long size, boolean partial, String checksum) {

    /** The last byte sent, as Content-Range names it. */
    public long last() {
        return offset + length - 1;
    }
}
