package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * QED, qemu's abandoned successor to qcow2 (little-endian header). Glance has no disk_format for it, so it never
 * matches a declaration; it is recognised so that a QED image, which can name a backing file, is not taken for
 * raw bytes.
 */
final class Qed {

    private static final byte[] MAGIC = {'Q', 'E', 'D', 0};
    private static final int HEADER = 64;
    private static final long FEATURE_BACKING_FILE = 1;

    private Qed() {}

    static Optional<Reading> recognize(Bytes head) {
        if (!head.matches(0, MAGIC)) {
            return Optional.empty();
        }
        if (!head.has(0, HEADER)) {
            return Optional.of(Reading.of(DiskFormat.QED, -1, List.of("qed header is truncated; refused")));
        }
        List<String> refusals = new ArrayList<>();
        long size = Sizes.times(head.u64le(48), 1);
        if (size < 0) {
            refusals.add("qed image has an invalid virtual size; refused");
        }
        if ((head.u64le(16) & FEATURE_BACKING_FILE) != 0 || head.u32le(56) != 0 || head.u32le(60) != 0) {
            refusals.add("qed image has a backing file; refused");
        }
        return Optional.of(Reading.of(DiskFormat.QED, size, refusals));
    }
}
