package dev.loupe.imports.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/** The fixtures of {@code src/test/resources/formats} (see make-fixtures.sh there), and ways to stream them. */
final class Images {

    /** The vhdx is stored as its non-zero 64 KiB runs, named by offset, and put back together here. */
    static final String VHDX = "vhdx.vhdx";

    private static final int VHDX_LENGTH = 8 * 1024 * 1024;
    private static final int[] VHDX_RUNS = {0, 2 * 1024 * 1024, 3 * 1024 * 1024};

    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private Images() {}

    /** A fresh copy, free to patch. */
    static byte[] fixture(String name) {
        return CACHE.computeIfAbsent(name, Images::load).clone();
    }

    static Inspection inspect(byte[] image) {
        return inspect(image, image.length, () -> 64 * 1024);
    }

    static Inspection inspect(byte[] image, int chunk) {
        return inspect(image, image.length, () -> chunk);
    }

    /** Streams the first {@code length} bytes of {@code image} in chunks of the sizes {@code chunks} gives. */
    static Inspection inspect(byte[] image, int length, IntSupplier chunks) {
        FormatInspector inspector = new FormatInspector();
        for (int at = 0; at < length; ) {
            int n = Math.min(Math.max(1, chunks.getAsInt()), length - at);
            inspector.update(image, at, n);
            at += n;
        }
        return inspector.finish();
    }

    static ByteBuffer little(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer big(byte[] image) {
        return ByteBuffer.wrap(image);
    }

    /** {@code image} followed by {@code extra} zero bytes. */
    static byte[] grown(byte[] image, int extra) {
        return Arrays.copyOf(image, image.length + extra);
    }

    private static byte[] load(String name) {
        if (!name.equals(VHDX)) {
            return resource(name);
        }
        byte[] image = new byte[VHDX_LENGTH];
        for (int offset : VHDX_RUNS) {
            byte[] run = resource(name + ".at-" + offset);
            System.arraycopy(run, 0, image, offset, run.length);
        }
        return image;
    }

    private static byte[] resource(String name) {
        try (InputStream in = Images.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
