package dev.loupe.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A large image source for {@link SourceServer#handle}: {@code size} bytes computed from their position (never held
 * nor written to disk), served with a Content-Length and, when asked, {@code Accept-Ranges: bytes}, an ETag or a
 * Last-Modified date, and byte ranges ({@code Range: bytes=N-}, honoured only when {@code If-Range} names the
 * current version). It counts the body bytes it sent, and can break the connection (a TCP reset) or pause once at
 * given positions.
 */
public final class GeneratedSource implements SourceServer.Handler {

    private static final int BUFFER = 1 << 16;

    private final long size;
    private final long seed;
    private volatile boolean ranges = true;
    private volatile boolean ignoreRanges;
    private volatile String etag;
    private volatile String lastModified;
    private final ConcurrentSkipListSet<Long> resets = new ConcurrentSkipListSet<>();
    private final ConcurrentSkipListSet<Long> pauses = new ConcurrentSkipListSet<>();
    private final CountDownLatch resume = new CountDownLatch(1);
    private final CountDownLatch paused = new CountDownLatch(1);
    private final AtomicLong sent = new AtomicLong();
    private volatile long slowFrom = Long.MAX_VALUE;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    public GeneratedSource(long size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    public long size() {
        return size;
    }

    /** Serves {@code Accept-Ranges: bytes} (the default) or not. */
    public GeneratedSource ranges(boolean ranges) {
        this.ranges = ranges;
        return this;
    }

    /** Says it serves ranges, but answers every request with the whole data. */
    public GeneratedSource ignoreRanges() {
        this.ignoreRanges = true;
        return this;
    }

    /** The ETag it sends (a new one is a new version of the data); null for none. */
    public GeneratedSource etag(String etag) {
        this.etag = etag;
        return this;
    }

    /** The Last-Modified it sends; null for none. */
    public GeneratedSource lastModified(String lastModified) {
        this.lastModified = lastModified;
        return this;
    }

    /** Resets the connection once the body has reached each position, once per position. */
    public GeneratedSource resetAt(long... positions) {
        for (long position : positions) {
            resets.add(position);
        }
        return this;
    }

    /** Stops sending once the body has reached the position, once, until {@link #proceed}. */
    public GeneratedSource pauseAt(long position) {
        pauses.add(position);
        return this;
    }

    /** From the position on, sends 64 KiB per 25 ms (about 2.5 MiB/s), so that progress shows more than once. */
    public GeneratedSource slowFrom(long position) {
        this.slowFrom = position;
        return this;
    }

    /** Waits until a pause is reached. */
    public boolean awaitPaused(long seconds) throws InterruptedException {
        return paused.await(seconds, TimeUnit.SECONDS);
    }

    /** Ends every pause. */
    public void proceed() {
        resume.countDown();
    }

    /** The body bytes sent so far, over all requests. */
    public long bytesSent() {
        return sent.get();
    }

    /** Each request's {@code Range} and {@code If-Range}, as {@code "RANGE|IF-RANGE"} ({@code null} for none). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void answer(SourceServer.Request request, Socket socket, OutputStream out) throws Exception {
        String range = request.header("Range");
        String ifRange = request.header("If-Range");
        requests.add(range + "|" + ifRange);
        long from = 0;
        String version = etag != null ? etag : lastModified;
        if (ranges && !ignoreRanges && range != null && range.matches("bytes=\\d+-")) {
            boolean current = ifRange == null || ifRange.equals(version);
            if (current) {
                from = Long.parseLong(range.substring(6, range.length() - 1));
            }
        }
        List<String> headers = new java.util.ArrayList<>();
        headers.add("Content-Length: " + (size - from));
        if (ranges) {
            headers.add("Accept-Ranges: bytes");
        }
        if (etag != null) {
            headers.add("ETag: " + etag);
        }
        if (lastModified != null) {
            headers.add("Last-Modified: " + lastModified);
        }
        if (from > 0) {
            headers.add("Content-Range: bytes " + from + "-" + (size - 1) + "/" + size);
        }
        SourceServer.head(out, from > 0 ? "206 Partial Content" : "200 OK", headers.toArray(String[]::new));
        byte[] buffer = new byte[BUFFER];
        long at = from;
        while (at < size) {
            Long reset = resets.higher(at);
            Long pause = pauses.higher(at);
            long end = Math.min(size, at + BUFFER);
            if (reset != null && reset <= end) {
                end = reset;
            }
            if (pause != null && pause <= end) {
                end = pause;
            }
            int length = (int) (end - at);
            fill(seed, at, buffer, 0, length);
            out.write(buffer, 0, length);
            sent.addAndGet(length);
            at = end;
            if (at > slowFrom) {
                out.flush();
                Thread.sleep(25);
            }
            if (reset != null && reset == at && resets.remove(reset)) {
                out.flush();
                SourceServer.reset(socket);
                return;
            }
            if (pause != null && pause == at && pauses.remove(pause)) {
                out.flush();
                paused.countDown();
                resume.await();
            }
        }
        out.flush();
    }

    /** The bytes from {@code position}: 8-byte words, each a mix of the seed and the word's index. */
    public static void fill(long seed, long position, byte[] buffer, int offset, int length) {
        long word = position >>> 3;
        int skip = (int) (position & 7);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            long value = mix(seed + word++);
            for (int b = skip; b < 8 && i < end; b++) {
                buffer[i++] = (byte) (value >>> (56 - 8 * b));
            }
            skip = 0;
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The whole data, generated again. */
    public InputStream stream() {
        return new InputStream() {
            private long at;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - at);
                fill(seed, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    /** The hex digest of the whole data in a JDK algorithm ({@code MD5}, {@code SHA-512}). */
    public String digest(String algorithm) {
        return digest(algorithm, stream());
    }

    /** The hex digest of a stream, read to its end. */
    public static String digest(String algorithm, InputStream in) {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            byte[] buffer = new byte[1 << 20];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
