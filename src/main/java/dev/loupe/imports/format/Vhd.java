package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * vhd (Microsoft's Virtual Hard Disk Image Format Specification): a 512-byte big-endian footer, the last sector of
 * every vhd; a dynamic or differencing disk also copies it to the first sector. A fixed disk is raw data with the
 * footer appended, so it can only be known at the end of the stream.
 */
final class Vhd {

    static final String DIFFERENCING = "vhd image is a differencing disk; refused";

    private static final String COOKIE = "conectix";
    private static final int FOOTER = 512;
    /** A differencing disk's data is only complete with the parent its header locates. */
    private static final long DIFFERENCING_TYPE = 4;

    private Vhd() {}

    /** A dynamic or differencing disk, by the footer copy at the start. */
    static Optional<Reading> recognizeDynamic(Bytes head) {
        return footerAt(head, 0);
    }

    /** A fixed disk, by the footer in the last sector. */
    static Optional<Reading> recognizeFixed(Bytes tail) {
        return footerAt(tail, tail.length() - FOOTER);
    }

    private static Optional<Reading> footerAt(Bytes bytes, int offset) {
        if (!bytes.has(offset, FOOTER) || !bytes.matches(offset, COOKIE)) {
            return Optional.empty();
        }
        List<String> refusals = new ArrayList<>();
        long size = Sizes.times(bytes.u64be(offset + 48), 1);
        if (size < 0) {
            refusals.add("vhd image has an invalid size; refused");
        }
        if (bytes.u32be(offset + 60) == DIFFERENCING_TYPE) {
            refusals.add(DIFFERENCING);
        }
        return Optional.of(Reading.of(DiskFormat.VHD, size, refusals));
    }
}
