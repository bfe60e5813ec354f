package dev.loupe.imports.fetch;

import java.io.InputStream;
import java.util.OptionalLong;
import okhttp3.Call;
import okhttp3.Response;

/** An opened import source. Its body is read once, as it arrives; closing it drops the connection's use. */
public final class Source implements AutoCloseable {

    private final Call call;
    private final Response response;
    private final InputStream body;
    private final String finalUri;
    private final long start;
    private final long total;

    Source(Call call, Response response, InputStream body, String finalUri, long start, long total) {
        this.call = call;
        this.response = response;
        this.body = body;
        this.finalUri = finalUri;
        this.start = start;
        this.total = total;
    }

    /** The body, straight from the connection; its reads throw {@link SourceReadFailure} when the transfer fails. */
    public InputStream body() {
        return body;
    }

    /** The length the source announced, if it did; the body is checked against it. */
    public OptionalLong contentLength() {
        return total < 0 ? OptionalLong.empty() : OptionalLong.of(total);
    }

    /** Where in the source's data the body starts: 0, or the start of the range asked for and given. */
    long start() {
        return start;
    }

    /** Whether the source said it serves byte ranges. */
    boolean acceptsRanges() {
        String ranges = response.header("Accept-Ranges");
        return ranges != null && ranges.trim().equalsIgnoreCase("bytes");
    }

    /**
     * What an {@code If-Range} can name this version of the data by: its strong ETag, else its Last-Modified; null
     * when it has neither.
     */
    String validator() {
        String etag = response.header("ETag");
        if (etag != null && etag.startsWith("\"")) {
            return etag;
        }
        return response.header("Last-Modified");
    }

    /** Where the body came from, after redirects. */
    public String finalUri() {
        return finalUri;
    }

    @Override
    public void close() {
        response.close();
    }

    /**
     * Drops the connection at once, from any thread: a read under way ends with an exception. (Closing would first
     * try to read the rest of the body, on the thread that closes.)
     */
    public void abort() {
        call.cancel();
    }
}
