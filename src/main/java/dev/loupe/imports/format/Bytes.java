package dev.loupe.imports.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A captured stretch of the image. Headers come from untrusted uploads, so every parser asks {@link #has} before it
 * reads, and the getters fail loudly (never silently wrap) if one forgets.
 */
final class Bytes {

    static final Bytes EMPTY = new Bytes(new byte[0], 0);

    private final ByteBuffer big;
    private final ByteBuffer little;

    /** Views the first {@code length} bytes of {@code data}, which the caller no longer changes. */
    Bytes(byte[] data, int length) {
        this.big = ByteBuffer.wrap(data, 0, length).slice().asReadOnlyBuffer();
        this.little = big.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    int length() {
        return big.limit();
    }

    /** Whether {@code count} bytes starting at {@code offset} were captured; safe for any pair of longs. */
    boolean has(long offset, long count) {
        return offset >= 0 && count >= 0 && offset <= length() - count;
    }

    int u8(int offset) {
        return big.get(offset) & 0xff;
    }

    int u16le(int offset) {
        return little.getShort(offset) & 0xffff;
    }

    long u32le(int offset) {
        return little.getInt(offset) & 0xffffffffL;
    }

    long u32be(int offset) {
        return big.getInt(offset) & 0xffffffffL;
    }

    /** Unsigned 64-bit fields above {@link Long#MAX_VALUE} come back negative; callers treat that as absurd. */
    long u64le(int offset) {
        return little.getLong(offset);
    }

    long u64be(int offset) {
        return big.getLong(offset);
    }

    boolean matches(int offset, byte[] expected) {
        if (!has(offset, expected.length)) {
            return false;
        }
        byte[] actual = new byte[expected.length];
        big.get(offset, actual);
        return Arrays.equals(actual, expected);
    }

    boolean matches(int offset, String ascii) {
        return matches(offset, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    ByteBuffer slice(int offset, int count) {
        return big.slice(offset, count);
    }
}
