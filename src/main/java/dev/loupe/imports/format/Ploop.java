package dev.loupe.imports.format;

import java.util.List;
import java.util.Optional;

/** Virtuozzo's ploop, the Parallels disk layout: a little-endian header with the disk's size in sectors. */
final class Ploop {

    private static final String SIGNATURE = "WithoutFreeSpace";
    /** The variant with a format-extension area. */
    private static final String SIGNATURE_EXTENDED = "WithouFreSpacExt";

    private static final int SECTORS_AT = 36;

    private Ploop() {}

    static Optional<Reading> recognize(Bytes head) {
        if (!head.matches(0, SIGNATURE) && !head.matches(0, SIGNATURE_EXTENDED)) {
            return Optional.empty();
        }
        if (!head.has(SECTORS_AT, 8)) {
            return Optional.of(Reading.of(DiskFormat.PLOOP, -1, List.of("ploop header is truncated; refused")));
        }
        long size = Sizes.times(head.u64le(SECTORS_AT), Sizes.SECTOR);
        return Optional.of(Reading.of(
                DiskFormat.PLOOP, size, size < 0 ? List.of("ploop image has an invalid size; refused") : List.of()));
    }
}
