package dev.loupe.imports.fetch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A source's body as read from the connection, counted on the way: it stops a source without a length at the size
 * cap, and turns the I/O errors of a broken transfer into {@link SourceReadFailure}s that say what happened.
 */
final class MeteredBody extends InputStream {

    private final InputStream body;
    private final long length;
    private final long sizeCap;
    private final Duration readTimeout;
    private long count;

    /** @param length the announced length, or -1 for none */
    MeteredBody(InputStream body, long length, long sizeCap, Duration readTimeout) {
        this(body, 0, length, sizeCap, readTimeout);
    }

    /**
     * @param offset where in the source this body starts (a range); counts and messages are the whole source's
     * @param length the whole source's announced length, or -1 for none
     */
    MeteredBody(InputStream body, long offset, long length, long sizeCap, Duration readTimeout) {
        this.body = body;
        this.count = offset;
        this.length = length;
        this.sizeCap = sizeCap;
        this.readTimeout = readTimeout;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int size) throws IOException {
        // InputStream promises 0 at once for size 0 (readNBytes relies on it); Okio's stream would wait for data.
        if (size == 0) {
            return 0;
        }
        int read;
        try {
            read = body.read(buffer, offset, size);
        } catch (IOException e) {
            throw failure(e);
        }
        if (read > 0) {
            count += read;
            if (count > sizeCap) {
                throw new SourceReadFailure("Source sent more than the image_size_cap of " + sizeCap + " bytes");
            }
        }
        return read;
    }

    @Override
    public int available() throws IOException {
        return body.available();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }

    private SourceReadFailure failure(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new SourceReadFailure("Source stopped sending data for " + FetchSettings.seconds(readTimeout), e);
        }
        // OkHttp's word for a connection closed before the body's end, with or without a length.
        if (e instanceof EOFException
                || e instanceof ProtocolException && "unexpected end of stream".equals(e.getMessage())) {
            return new SourceReadFailure(
                    length < 0
                            ? "Source ended early, after " + count + " bytes"
                            : "Source ended after " + count + " of " + length + " bytes",
                    e);
        }
        return new SourceReadFailure("Reading the source failed after " + progress() + ": " + e.getMessage(), e);
    }

    private String progress() {
        return length < 0 ? count + " bytes" : count + " of " + length + " bytes";
    }
}
