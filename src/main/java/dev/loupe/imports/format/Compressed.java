package dev.loupe.imports.format;

import java.util.List;
import java.util.Optional;

/**
 * Compressed data: gzip, xz, bzip2 and zstd streams. Glance has no disk_format for them and no consumer unpacks an
 * image, so compressed content is a mismatch with every declaration (a gzip stored as raw would boot as garbage).
 * A raw disk may begin with any bytes, so only each format's full magic number at offset 0 counts, with the few
 * bits after it that the format fixes.
 */
final class Compressed {

    /** ID1, ID2 and CM (deflate) of RFC 1952. */
    private static final byte[] GZIP = {0x1f, (byte) 0x8b, 0x08};
    /** FLG bits 5 to 7 are reserved and must be zero. */
    private static final int GZIP_RESERVED_FLAGS = 0xe0;

    private static final byte[] XZ = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

    /** "BZh", then the block size '1' to '9', then the magic of the first block or, for an empty stream, of its end. */
    private static final String BZIP2 = "BZh";

    private static final byte[] BZIP2_BLOCK = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    private static final byte[] BZIP2_END = {0x17, 0x72, 0x45, 0x38, 0x50, (byte) 0x90};

    /** A zstd frame's magic number, 0xFD2FB528 little-endian. */
    private static final byte[] ZSTD = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    private Compressed() {}

    static Optional<Reading> recognize(Bytes head) {
        return kind(head).map(format -> Reading.of(format, -1, List.of()));
    }

    private static Optional<DiskFormat> kind(Bytes head) {
        if (head.matches(0, GZIP) && (!head.has(3, 1) || (head.u8(3) & GZIP_RESERVED_FLAGS) == 0)) {
            return Optional.of(DiskFormat.GZIP);
        }
        if (head.matches(0, XZ)) {
            return Optional.of(DiskFormat.XZ);
        }
        if (head.matches(0, BZIP2)
                && head.has(3, 1)
                && head.u8(3) >= '1'
                && head.u8(3) <= '9'
                && (head.matches(4, BZIP2_BLOCK) || head.matches(4, BZIP2_END))) {
            return Optional.of(DiskFormat.BZIP2);
        }
        if (head.matches(0, ZSTD)) {
            return Optional.of(DiskFormat.ZSTD);
        }
        return Optional.empty();
    }
}
