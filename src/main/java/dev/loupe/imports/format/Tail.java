package dev.loupe.imports.format;

/**
 * The last {@value #SIZE} bytes of the stream, kept in a ring so each chunk costs at most two copies. Formats put
 * trailers there: a vhd footer in the last sector, a streamOptimized vmdk's footer header three sectors from the end.
 */
final class Tail {

    static final int SIZE = 1536;

    private final byte[] ring = new byte[SIZE];
    private long seen;
    /** Where the next byte goes. */
    private int next;

    void feed(byte[] bytes, int from, int length) {
        seen += length;
        if (length >= SIZE) {
            System.arraycopy(bytes, from + length - SIZE, ring, 0, SIZE);
            next = 0;
            return;
        }
        int first = Math.min(length, SIZE - next);
        System.arraycopy(bytes, from, ring, next, first);
        System.arraycopy(bytes, from + first, ring, 0, length - first);
        next = (next + length) % SIZE;
    }

    /** The kept bytes in stream order: all of them when the stream is shorter than {@value #SIZE}. */
    Bytes bytes() {
        int count = (int) Math.min(seen, SIZE);
        int start = (next - count + SIZE) % SIZE;
        byte[] ordered = new byte[count];
        int first = Math.min(count, SIZE - start);
        System.arraycopy(ring, start, ordered, 0, first);
        System.arraycopy(ring, 0, ordered, first, count - first);
        return new Bytes(ordered, count);
    }
}
