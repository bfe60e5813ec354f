package dev.loupe.imports.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A source read to its end across broken connections (Loupe's own, docs/extensions.md). When the connection breaks (a reset,
 * an early end, a stall) and the source said {@code Accept-Ranges: bytes} and named its version (a strong ETag, else
 * Last-Modified), the rest is asked for with {@code Range} and {@code If-Range}, and the body goes on as if nothing
 * happened: whoever reads it sees every byte once, in order. Each new request goes through the fetcher's checks
 * again (filter, resolved address, redirects).
 *
 * <p>A source that answers the rest with the whole data (it ignores ranges, or its version changed) starts over: the
 * body throws {@link Restarted}, and reading it again reads the new data from its first byte. A source without
 * ranges fails at its first break, as it always did. Retries are bounded: {@code retries} failed tries in a row, with
 * a backoff that doubles; a try that brings at least {@value #PROGRESS} bytes ends the row.
 */
public final class ResumableSource implements AutoCloseable {

    /** Bytes a resumed connection must bring before its break counts as a new one, not one more in a row. */
    static final long PROGRESS = 1 << 20;

    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(30);

    /** Told what happened to the connection, for the progress message. */
    public interface Listener {
        /** The rest is being fetched from byte {@code at}, after a break. */
        void resumed(long at);

        /** The source is being read again from its first byte, for the reason given. */
        void startedOver(String why);
    }

    /** The source started over: what was read of it so far must be thrown away, and the body read again. */
    public static final class Restarted extends IOException {
        private static final long serialVersionUID = 1L;

        Restarted(String message) {
            super(message);
        }
    }

    private final Fetcher fetcher;
    private final String uri;
    private final int retries;
    private final Duration backoff;
    private final Listener listener;
    private final CountDownLatch aborted = new CountDownLatch(1);
    private final InputStream body = new Body();
    private volatile Source current;
    /** The version of the data read so far, as If-Range names it; null when there is none. */
    private String version;
    /** Where in the source's data the next byte read comes from. */
    private long position;

    private ResumableSource(
            Fetcher fetcher, String uri, int retries, Duration backoff, Listener listener, Source first) {
        this.fetcher = fetcher;
        this.uri = uri;
        this.retries = retries;
        this.backoff = backoff;
        this.listener = listener;
        this.current = first;
        this.version = first.validator();
        this.position = first.start();
    }

    static ResumableSource open(
            Fetcher fetcher, String uri, long from, String validator, int retries, Duration backoff, Listener listener)
            throws FetchFailure {
        Source first;
        if (from > 0 && validator != null) {
            try {
                first = fetcher.open(uri, new Fetcher.Range(from, validator));
            } catch (FetchFailure e) {
                if (e.status() != 416) {
                    throw e;
                }
                // Nothing after what is held (the earlier run stored all but did not finish), or the data shrank:
                // start over rather than guess.
                first = fetcher.open(uri);
            }
        } else {
            first = fetcher.open(uri);
        }
        return new ResumableSource(fetcher, uri, retries, backoff, listener, first);
    }

    /** Where the body starts in the source's data: the {@code from} asked for, or 0 when the source starts over. */
    public long start() {
        return current.start();
    }

    /**
     * What names this version of the data in a later {@code If-Range} (a strong ETag or a Last-Modified date); null
     * when the source cannot be resumed (no ranges, no validator).
     */
    public String validator() {
        Source source = current;
        return source.acceptsRanges() ? source.validator() : null;
    }

    /** The length of the whole data, if the source announced it. */
    public OptionalLong contentLength() {
        return current.contentLength();
    }

    /** The body from {@link #start()}; its reads throw {@link SourceReadFailure}s and {@link Restarted}. */
    public InputStream body() {
        return body;
    }

    /** Drops the connection and ends any wait for the next try at once, from any thread. */
    public void abort() {
        aborted.countDown();
        current.abort();
    }

    @Override
    public void close() {
        current.close();
    }

    private final class Body extends InputStream {
        private int failures;
        private long sinceBreak;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int size) throws IOException {
            while (true) {
                int read;
                try {
                    read = current.body().read(buffer, offset, size);
                } catch (SourceReadFailure e) {
                    reconnect(e);
                    continue;
                }
                if (read > 0) {
                    position += read;
                    sinceBreak += read;
                    if (sinceBreak >= PROGRESS) {
                        failures = 0;
                    }
                }
                return read;
            }
        }

        /**
         * Gets the rest after a break, or throws: the break itself when it cannot be mended, {@link Restarted} when
         * the source starts over.
         */
        private void reconnect(SourceReadFailure broken) throws IOException {
            Source source = current;
            boolean ranges = source.acceptsRanges() && version != null;
            if (!broken.retryable() || !source.acceptsRanges() || aborted.getCount() == 0) {
                throw broken;
            }
            String lastFailure = broken.getMessage();
            while (true) {
                if (failures >= retries) {
                    throw new SourceReadFailure(
                            lastFailure + " (gave up after " + retries + (retries == 1 ? " retry)" : " retries)"),
                            broken,
                            false);
                }
                failures++;
                sinceBreak = 0;
                pause(broken);
                source.close();
                Source next;
                try {
                    next = ranges ? fetcher.open(uri, new Fetcher.Range(position, version)) : fetcher.open(uri);
                } catch (FetchFailure e) {
                    if (!e.retryable()) {
                        throw new SourceReadFailure(e.getMessage(), e, false);
                    }
                    lastFailure = e.getMessage();
                    continue;
                }
                current = next;
                if (aborted.getCount() == 0) {
                    next.abort();
                    throw broken;
                }
                if (ranges && next.start() == position) {
                    listener.resumed(position);
                    return;
                }
                String why = !ranges
                        ? "the source names no version of its data to resume"
                        : "the source sent all its data again instead of the rest";
                position = 0;
                version = next.validator();
                listener.startedOver(why);
                throw new Restarted("Source started over: " + why);
            }
        }

        private void pause(SourceReadFailure broken) throws SourceReadFailure {
            long millis = backoff.toMillis() << Math.min(failures - 1, 16);
            try {
                if (aborted.await(Math.min(millis, LONGEST_BACKOFF.toMillis()), TimeUnit.MILLISECONDS)) {
                    throw broken;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw broken;
            }
        }

        @Override
        public void close() {
            current.close();
        }
    }
}
