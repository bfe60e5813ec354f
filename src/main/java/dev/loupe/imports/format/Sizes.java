package dev.loupe.imports.format;

/** Virtual sizes from header fields, which may be absurd. */
final class Sizes {

    static final long SECTOR = 512;

    private Sizes() {}

    /** {@code count} units of {@code unit} bytes, or -1 when a field is out of range (negative means above 2^63). */
    static long times(long count, long unit) {
        if (count < 0 || unit <= 0 || count > Long.MAX_VALUE / unit) {
            return -1;
        }
        return count * unit;
    }
}
