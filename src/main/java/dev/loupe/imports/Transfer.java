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
import java.util.function.Consumer;

/**
 * The one pass of an import: each chunk read from the source goes through md5, the configured multihash and the
 * format inspector, and into the store, so the data is never held whole nor written twice. Progress is reported
 * at most once a second (C15).
 */
final class Transfer {

    private static final int CHUNK = 1 << 20;
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
    record Copied(long size, String checksum, String hashValue, Inspection inspection) {
    }

    /**
     * Copies {@code in} to {@code upload} to its end.
     *
     * @param length the source's announced length, for the progress message
     * @throws IOException  when reading the source fails (its message says how)
     * @throws StoreFailure when writing fails
     */
    Copied copy(InputStream in, OptionalLong length, ImageStore.Upload upload) throws IOException, StoreFailure,
            InterruptedException {
        MessageDigest md5 = HashAlgorithm.md5();
        MessageDigest hash = hashAlgorithm.digest();
        FormatInspector inspector = new FormatInspector();
        byte[] chunk = new byte[CHUNK];
        long size = 0;
        long lastReport = System.nanoTime();
        int read;
        while ((read = in.readNBytes(chunk, 0, CHUNK)) > 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            md5.update(chunk, 0, read);
            hash.update(chunk, 0, read);
            inspector.update(chunk, 0, read);
            upload.write(chunk, 0, read);
            size += read;
            long now = System.nanoTime();
            if (now - lastReport >= REPORT_EVERY_NANOS) {
                lastReport = now;
                progress.accept(copied(size, length));
            }
        }
        HexFormat hex = HexFormat.of();
        return new Copied(size, hex.formatHex(md5.digest()), hex.formatHex(hash.digest()), inspector.finish());
    }

    /** {@code Copied 15 MiB of 1024 MiB}, or {@code Copied 15 MiB} when the total is unknown. */
    static String copied(long size, OptionalLong length) {
        String done = "Copied " + size / MIB + " MiB";
        return length.isPresent() ? done + " of " + length.getAsLong() / MIB + " MiB" : done;
    }
}
