package dev.loupe.imports.format;

import java.util.Optional;

/**
 * Raw disks recognised by their partition table: GPT (UEFI specification, the header after a protective MBR) or
 * a classic MBR. Either way the image is plain bytes, so the virtual size is the image's size.
 */
final class PartitionTable {

    private static final int BOOT_SIGNATURE_AT = 510;
    private static final byte[] BOOT_SIGNATURE = {0x55, (byte) 0xaa};
    private static final String GPT_SIGNATURE = "EFI PART";
    /** The GPT header is in the second logical block: 512-byte or 4096-byte sectors. */
    private static final int[] GPT_HEADER_AT = {512, 4096};

    private static final int PARTITIONS_AT = 446;
    private static final int PARTITION = 16;

    private PartitionTable() {}

    static Optional<Reading> recognize(Bytes head) {
        if (!head.matches(BOOT_SIGNATURE_AT, BOOT_SIGNATURE)) {
            return Optional.empty();
        }
        for (int at : GPT_HEADER_AT) {
            if (head.matches(at, GPT_SIGNATURE)) {
                return Optional.of(Reading.plain(DiskFormat.GPT));
            }
        }
        return saneMbr(head) ? Optional.of(Reading.plain(DiskFormat.MBR)) : Optional.empty();
    }

    /**
     * A boot signature alone also ends file-system boot sectors; a partition table has four entries whose status
     * is 0 or 0x80, at least one of them in use with a non-zero length.
     */
    private static boolean saneMbr(Bytes head) {
        boolean used = false;
        for (int i = 0; i < 4; i++) {
            int at = PARTITIONS_AT + i * PARTITION;
            int status = head.u8(at);
            if (status != 0 && status != 0x80) {
                return false;
            }
            if (head.u8(at + 4) != 0) {
                if (head.u32le(at + 12) == 0) {
                    return false;
                }
                used = true;
            }
        }
        return used;
    }
}
