package dev.loupe.imports;

import dev.loupe.image.Image;
import dev.loupe.imports.format.DiskFormat;
import dev.loupe.imports.format.FormatInspector;
import dev.loupe.imports.format.Inspection;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one pass of an import: each chunk read from the source goes through md5, the configured multihash and the
 * format inspector, and into the store, so the data is never held whole nor written twice. Progress is reported
 * at most once a second (docs/compatibility.md, "Progress while an import runs"), with the rate and the time left.
 *
 * <p>A digest a user asked to verify ({@code validation_data}) in an algorithm neither md5 nor the multihash is
 * computed in the same pass, in a lane of its own. Bytes an earlier run already stored are read back first, through
 * the digests and the inspector but not written again, so a resumed import ends with the same digests.
 *
 * <p>Each digest costs about as much CPU as the download itself, so the work runs in two lanes on their own
 * threads while this one reads ahead: md5 in one, the multihash, the inspector and the store write in the other.
 * A few chunks circulate between them; a chunk returns for reading once both lanes are done with it, so memory
 * stays at {@value #CHUNKS} chunks whatever the image's size.
 */
final class Transfer {

    private static final int CHUNK = 1 << 20;
    private static final int CHUNKS = 8;
    private static final long REPORT_EVERY_NANOS = 1_000_000_000L;
    private static final long MIB = 1 << 20;

    /** How far back the rate looks. */
    private static final long RATE_WINDOW_NANOS = 10_000_000_000L;

    private final HashAlgorithm hashAlgorithm;
    private final Consumer<String> progress;
    private volatile String note;

    Transfer(HashAlgorithm hashAlgorithm, Consumer<String> progress) {
        this.hashAlgorithm = hashAlgorithm;
        this.progress = progress;
    }

    /**
     * What the store holds once {@code copied} is published at {@code location} as an image of {@code diskFormat}: its
     * size, md5 and the multihash of this transfer's algorithm.
     */
    Image.StoredData stored(Copied copied, String location, String diskFormat, Long virtualSize) {
        return new Image.StoredData(
                location,
                copied.size(),
                virtualSize,
                copied.checksum(),
                hashAlgorithm.name(),
                copied.hashValue(),
                diskFormat);
    }

    /** Adds {@code note} to the progress messages from now on (a resume, say); null for none. */
    void note(String note) {
        this.note = note;
    }

    /**
     * What was copied.
     *
     * @param checksum  md5, as Glance's {@code checksum}
     * @param hashValue the multihash, as Glance's {@code os_hash_value}
     * @param digests   hex digests by algorithm name ({@code md5}, the multihash's and any asked for in addition)
     */
    record Copied(long size, String checksum, String hashValue, Inspection inspection, Map<String, String> digests) {

        Copied(long size, String checksum, String hashValue, Inspection inspection) {
            this(size, checksum, hashValue, inspection, Map.of());
        }

        /** The digest of the copied bytes in the algorithm, when it was computed. */
        String digest(String algorithm) {
            return digests.get(algorithm);
        }

        /**
         * Why data sent as it is (an upload, a staged file) must not become an image declared {@code diskFormat}:
         * plain content (unrecognised bytes, a raw disk with a partition table, compressed data) is refused only
         * for what it is, since nothing in it can make a consumer read another file; anything else also for not
         * being what was declared.
         */
        List<String> refusalsAsSent(String diskFormat) {
            DiskFormat format = inspection.format();
            boolean plain = format == DiskFormat.RAW
                    || format == DiskFormat.GPT
                    || format == DiskFormat.MBR
                    || format.compressed().isPresent();
            return plain ? inspection.refusals() : inspection.refusalsFor(diskFormat);
        }

        /** The detected disk size when the content is what was declared; none for no data, or other content. */
        Long virtualSize(String diskFormat) {
            if (size == 0 || !inspection.format().satisfies(diskFormat) || inspection.virtualSize() < 0) {
                return null;
            }
            return inspection.virtualSize();
        }
    }

    /**
     * Copies {@code in} to {@code upload} to its end.
     *
     * @param length the source's announced length, for the progress message
     * @throws IOException  when reading the source fails (its message says how)
     * @throws StoreFailure when writing fails
     */
    Copied copy(InputStream in, OptionalLong length, ImageStore.Upload upload)
            throws IOException, StoreFailure, InterruptedException {
        return copy(null, in, length, upload, null);
    }

    /**
     * Copies {@code in} to {@code upload} to its end, after the bytes {@code upload} already holds.
     *
     * @param stored the bytes the upload holds already (an earlier run's), read back: they go through the digests and
     *               the inspector, not into the upload; null for none
     * @param length the whole image's announced length, stored bytes included, for the progress message
     * @param extra  an algorithm whose digest is wanted too (a {@code validation_data} one); null for none
     * @throws IOException  when reading the source or the stored bytes fails (its message says how)
     * @throws StoreFailure when writing fails
     */
    Copied copy(InputStream stored, InputStream in, OptionalLong length, ImageStore.Upload upload, HashAlgorithm extra)
            throws IOException, StoreFailure, InterruptedException {
        MessageDigest md5 = HashAlgorithm.md5();
        MessageDigest hash = hashAlgorithm.digest();
        boolean ownLane =
                extra != null && !extra.name().equals("md5") && !extra.name().equals(hashAlgorithm.name());
        MessageDigest other = ownLane ? extra.digest() : null;
        FormatInspector inspector = new FormatInspector();
        BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new Chunk());
        }
        int lanes = ownLane ? 3 : 2;
        Meter meter = new Meter();
        long size = 0;
        try (Lane checksum = new Lane("md5", free, chunk -> md5.update(chunk.bytes, 0, chunk.length));
                Lane store = new Lane("store", free, chunk -> {
                    hash.update(chunk.bytes, 0, chunk.length);
                    inspector.update(chunk.bytes, 0, chunk.length);
                    if (chunk.write) {
                        upload.write(chunk.bytes, 0, chunk.length);
                    }
                });
                Lane verify = ownLane
                        ? new Lane("verify", free, chunk -> other.update(chunk.bytes, 0, chunk.length))
                        : null) {
            long lastReport = System.nanoTime();
            boolean readingBack = stored != null;
            while (true) {
                Chunk chunk = free.take();
                chunk.write = !readingBack;
                chunk.length = (readingBack ? stored : in).readNBytes(chunk.bytes, 0, CHUNK);
                checksum.rethrowFailure();
                store.rethrowFailure();
                if (verify != null) {
                    verify.rethrowFailure();
                }
                if (chunk.length == 0) {
                    if (readingBack) {
                        // Read back: the rate counts only what the source sends from here on.
                        readingBack = false;
                        free.add(chunk);
                        meter = new Meter(size);
                        continue;
                    }
                    free.add(chunk);
                    break;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                chunk.lanes.set(lanes);
                checksum.hand(chunk);
                store.hand(chunk);
                if (verify != null) {
                    verify.hand(chunk);
                }
                size += chunk.length;
                long now = System.nanoTime();
                if (now - lastReport >= REPORT_EVERY_NANOS) {
                    lastReport = now;
                    progress.accept(progress(size, length, meter.rate(size, now), note));
                }
            }
            checksum.finish();
            store.finish();
            if (verify != null) {
                verify.finish();
            }
        }
        HexFormat hex = HexFormat.of();
        String md5Hex = hex.formatHex(md5.digest());
        String hashHex = hex.formatHex(hash.digest());
        Map<String, String> digests = new LinkedHashMap<>();
        digests.put("md5", md5Hex);
        digests.put(hashAlgorithm.name(), hashHex);
        if (other != null) {
            digests.put(extra.name(), hex.formatHex(other.digest()));
        }
        return new Copied(size, md5Hex, hashHex, inspector.finish(), Map.copyOf(digests));
    }

    /** {@code Copied 15 MiB of 1024 MiB}, or {@code Copied 15 MiB} when the total is unknown. */
    static String copied(long size, OptionalLong length) {
        String done = "Copied " + size / MIB + " MiB";
        return length.isPresent() ? done + " of " + length.getAsLong() / MIB + " MiB" : done;
    }

    /**
     * {@code Copied 1200 MiB of 4096 MiB (180 MiB/s, about 16 s left)}: upstream's message, then the rate and, with a
     * known total, the time left; then the note, if any. Upstream's form alone while there is no rate yet.
     *
     * @param bytesPerSecond the recent rate; 0 or less for none
     */
    static String progress(long size, OptionalLong length, double bytesPerSecond, String note) {
        StringBuilder extra = new StringBuilder();
        if (bytesPerSecond > 0) {
            extra.append(rate(bytesPerSecond));
            if (length.isPresent() && length.getAsLong() >= size) {
                extra.append(", about ")
                        .append(timeLeft((length.getAsLong() - size) / bytesPerSecond))
                        .append(" left");
            }
        }
        if (note != null && !note.isEmpty()) {
            extra.append(extra.isEmpty() ? "" : "; ").append(note);
        }
        String copied = copied(size, length);
        return extra.isEmpty() ? copied : copied + " (" + extra + ")";
    }

    /** {@code 180 MiB/s}, {@code 2.5 MiB/s}, {@code 64 KiB/s}. */
    static String rate(double bytesPerSecond) {
        double mib = bytesPerSecond / MIB;
        if (mib >= 10) {
            return Math.round(mib) + " MiB/s";
        }
        if (mib >= 0.1) {
            return String.format(Locale.ROOT, "%.1f MiB/s", mib);
        }
        return Math.max(1, Math.round(bytesPerSecond / 1024)) + " KiB/s";
    }

    /** {@code 16 s}, {@code 12 min}, {@code 3 h}, rounded to the nearest (at least 1 s). */
    static String timeLeft(double seconds) {
        long s = Math.max(1, Math.round(seconds));
        if (s < 100) {
            return s + " s";
        }
        long minutes = Math.round(seconds / 60);
        if (minutes < 100) {
            return minutes + " min";
        }
        return Math.round(seconds / 3600) + " h";
    }

    /** The rate over the last {@value #RATE_WINDOW_NANOS} ns: what was copied between reports still in the window. */
    private static final class Meter {
        private final Deque<long[]> samples = new ArrayDeque<>();

        Meter() {
            this(0);
        }

        Meter(long size) {
            samples.add(new long[] {System.nanoTime(), size});
        }

        double rate(long size, long now) {
            samples.add(new long[] {now, size});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
                samples.removeFirst();
            }
            long[] first = samples.peekFirst();
            long nanos = now - first[0];
            return nanos <= 0 ? 0 : (size - first[1]) * 1e9 / nanos;
        }
    }

    private static final class Chunk {
        final byte[] bytes = new byte[CHUNK];
        int length;
        /** Whether the chunk goes into the upload: not when it is read back from it. */
        boolean write = true;
        /** Lanes still working on this chunk; the last one returns it to the free chunks. */
        final AtomicInteger lanes = new AtomicInteger();
    }

    private interface Work {
        void on(Chunk chunk) throws StoreFailure;
    }

    /**
     * One thread doing one part of the work on every chunk, in order. After a failure it keeps returning chunks
     * without working on them, so the reader never waits for a chunk that will not come back; the reader learns of
     * the failure at its next chunk. A platform thread: this work is CPU-bound and must not hold one of the few
     * carriers the API's virtual threads run on.
     */
    private static final class Lane implements AutoCloseable {
        private static final Chunk END = new Chunk();

        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(CHUNKS + 1);
        private final Thread thread;
        private volatile Throwable failure;

        Lane(String name, BlockingQueue<Chunk> free, Work work) {
            this.thread = Thread.ofPlatform().name("import-" + name).daemon().start(() -> {
                try {
                    for (Chunk chunk = queue.take(); chunk != END; chunk = queue.take()) {
                        if (failure == null) {
                            try {
                                work.on(chunk);
                            } catch (StoreFailure | RuntimeException | Error e) {
                                failure = e;
                            }
                        }
                        if (chunk.lanes.decrementAndGet() == 0) {
                            free.add(chunk);
                        }
                    }
                } catch (InterruptedException e) {
                    // close(): the copy was given up
                }
            });
        }

        void hand(Chunk chunk) throws InterruptedException {
            queue.put(chunk);
        }

        /** Waits until every chunk handed over is done with. */
        void finish() throws StoreFailure, InterruptedException {
            queue.put(END);
            thread.join();
            rethrowFailure();
        }

        void rethrowFailure() throws StoreFailure {
            Throwable failed = failure;
            switch (failed) {
                case null -> {}
                case StoreFailure e -> throw e;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(failed);
            }
        }

        /** Stops the thread if the copy was given up; it has ended already after {@link #finish}. */
        @Override
        public void close() {
            thread.interrupt();
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
