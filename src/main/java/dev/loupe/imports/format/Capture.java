package dev.loupe.imports.format;

import java.util.function.Consumer;

/** One range of the stream a parser asked for, filled front to back as its bytes go by. */
final class Capture {

    private final long offset;
    private final byte[] data;
    private final Consumer<Bytes> receiver;
    private int filled;

    Capture(long offset, int length, Consumer<Bytes> receiver) {
        this.offset = offset;
        this.data = new byte[length];
        this.receiver = receiver;
    }

    /**
     * Copies what {@code source} (stream bytes {@code sourceStart} onwards, {@code count} of them, at
     * {@code from} in {@code source}) holds of the next bytes wanted. Bytes before the next wanted one are
     * ignored, so offering the same stretch twice is harmless.
     */
    void take(byte[] source, int from, long sourceStart, int count) {
        long next = next();
        long sourceEnd = sourceStart + count;
        if (complete() || next < sourceStart || next >= sourceEnd) {
            return;
        }
        int n = (int) Math.min(data.length - filled, sourceEnd - next);
        System.arraycopy(source, from + (int) (next - sourceStart), data, filled, n);
        filled += n;
    }

    /** The stream offset just past the range. */
    long end() {
        return offset + data.length;
    }

    /** The stream offset of the first byte still wanted. */
    long next() {
        return offset + filled;
    }

    boolean complete() {
        return filled == data.length;
    }

    /** Hands over what was captured, all of it or the part before the first byte that never came. */
    void deliver() {
        receiver.accept(new Bytes(data, filled));
    }
}
