package dev.loupe.imports.format;

import java.util.List;
import java.util.Optional;

/** VirtualBox's vdi: a little-endian header after a 64-byte text banner. */
final class Vdi {

    private static final int SIGNATURE_AT = 0x40;
    private static final long SIGNATURE = 0xbeda107fL;
    private static final int DISK_SIZE_AT = 0x170;

    private Vdi() {}

    static Optional<Reading> recognize(Bytes head) {
        if (!head.has(SIGNATURE_AT, 4) || head.u32le(SIGNATURE_AT) != SIGNATURE) {
            return Optional.empty();
        }
        if (!head.has(DISK_SIZE_AT, 8)) {
            return Optional.of(Reading.of(DiskFormat.VDI, -1, List.of("vdi header is truncated; refused")));
        }
        long size = Sizes.times(head.u64le(DISK_SIZE_AT), 1);
        return Optional.of(Reading.of(
                DiskFormat.VDI, size, size < 0 ? List.of("vdi image has an invalid size; refused") : List.of()));
    }
}
