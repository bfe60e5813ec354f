package dev.loupe.imports;

import dev.loupe.imports.format.FormatInspector;
import dev.loupe.imports.format.Inspection;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one pass of an import: each chunk read from the source goes through md5, the configured multihash and the
 * format inspector, and into the store, so the data is never held whole nor written twice. Progress is reported
 * at most once a second (docs/compatibility.md, "Progress while an import runs").
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

    private final HashAlgorithm hashAlgorithm;
    private final Consumer<String> progress;

    Transfer(HashAlgorithm hashAlgorithm, Consumer<String> progress) {
        this.hashAlgorithm = hashAlgorithm;
        this.progress = progress;
    }

    HashAlgorithm hashAlgorithm() {
        return hashAlgorithm;
    }

    /**
     * What was copied.
     *
     * @param checksum  md5, as Glance's {@code checksum}
     * @param hashValue the multihash, as Glance's {@code os_hash_value}
     */
    record Copied(long size, String checksum, String hashValue, Inspection inspection) {}

    /**
     * Copies {@code in} to {@code upload} to its end.
     *
     * @param length the source's announced length, for the progress message
     * @throws IOException  when reading the source fails (its message says how)
     * @throws StoreFailure when writing fails
     */
    Copied copy(InputStream in, OptionalLong length, ImageStore.Upload upload)
            throws IOException, StoreFailure, InterruptedException {
        MessageDigest md5 = HashAlgorithm.md5();
        MessageDigest hash = hashAlgorithm.digest();
        FormatInspector inspector = new FormatInspector();
        BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new Chunk());
        }
        long size = 0;
        try (Lane checksum = new Lane("md5", free, chunk -> md5.update(chunk.bytes, 0, chunk.length));
                Lane store = new Lane("store", free, chunk -> {
                    hash.update(chunk.bytes, 0, chunk.length);
                    inspector.update(chunk.bytes, 0, chunk.length);
                    upload.write(chunk.bytes, 0, chunk.length);
                })) {
            long lastReport = System.nanoTime();
            while (true) {
                Chunk chunk = free.take();
                chunk.length = in.readNBytes(chunk.bytes, 0, CHUNK);
                checksum.rethrowFailure();
                store.rethrowFailure();
                if (chunk.length == 0) {
                    break;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                chunk.lanes.set(2);
                checksum.hand(chunk);
                store.hand(chunk);
                size += chunk.length;
                long now = System.nanoTime();
                if (now - lastReport >= REPORT_EVERY_NANOS) {
                    lastReport = now;
                    progress.accept(copied(size, length));
                }
            }
            checksum.finish();
            store.finish();
        }
        HexFormat hex = HexFormat.of();
        return new Copied(size, hex.formatHex(md5.digest()), hex.formatHex(hash.digest()), inspector.finish());
    }

    /** {@code Copied 15 MiB of 1024 MiB}, or {@code Copied 15 MiB} when the total is unknown. */
    static String copied(long size, OptionalLong length) {
        String done = "Copied " + size / MIB + " MiB";
        return length.isPresent() ? done + " of " + length.getAsLong() / MIB + " MiB" : done;
    }

    private static final class Chunk {
        final byte[] bytes = new byte[CHUNK];
        int length;
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
