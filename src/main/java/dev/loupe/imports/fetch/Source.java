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

    Source(Call call, Response response, InputStream body, String finalUri) {
        this.call = call;
        this.response = response;
        this.body = body;
        this.finalUri = finalUri;
    }

    /** The body, straight from the connection; its reads throw {@link SourceReadFailure} when the transfer fails. */
    public InputStream body() {
        return body;
    }

    /** The length the source announced, if it did; the body is checked against it. */
    public OptionalLong contentLength() {
        long length = response.body().contentLength();
        return length < 0 ? OptionalLong.empty() : OptionalLong.of(length);
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
