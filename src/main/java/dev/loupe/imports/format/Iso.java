package dev.loupe.imports.format;

import java.util.List;
import java.util.Optional;

/**
 * An ISO 9660 file system (ECMA-119): after a 32 KiB system area, a run of 2048-byte volume descriptors, each with
 * {@code CD001} after its type byte; the primary one (type 1) holds the volume's size.
 */
final class Iso {

    private static final int DESCRIPTORS_AT = 0x8000;
    private static final int DESCRIPTOR = 2048;
    private static final String IDENTIFIER = "CD001";
    private static final int PRIMARY = 1;
    private static final int TERMINATOR = 255;

    private Iso() {}

    /** Recognised by any of the first three descriptors, since a boot record may come before the primary one. */
    static Optional<Reading> recognize(Bytes head) {
        boolean found = false;
        for (int i = 0; i < 3; i++) {
            found |= head.matches(DESCRIPTORS_AT + i * DESCRIPTOR + 1, IDENTIFIER);
        }
        if (!found) {
            return Optional.empty();
        }
        return Optional.of(Reading.of(DiskFormat.ISO, primaryVolumeSize(head), List.of()));
    }

    /**
     * Blocks times block size from the primary descriptor (little-endian halves of both-endian fields), or -1.
     * Descriptors of other standards (UDF's {@code BEA01}, {@code NSR02}) may sit among ISO 9660's, so they are
     * skipped rather than ending the search.
     */
    private static long primaryVolumeSize(Bytes head) {
        for (int at = DESCRIPTORS_AT; head.has(at, DESCRIPTOR); at += DESCRIPTOR) {
            if (!head.matches(at + 1, IDENTIFIER)) {
                continue;
            }
            int type = head.u8(at);
            if (type == PRIMARY) {
                return Sizes.times(head.u32le(at + 80), head.u16le(at + 128));
            }
            if (type == TERMINATOR) {
                break;
            }
        }
        return -1;
    }
}
