package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * qcow2 (big-endian header, qemu's docs/interop/qcow2.txt). It is refused when it would make a consumer open
 * another file: a backing file, or an external data file (an incompatible feature bit, and a header extension
 * naming the file). Unknown incompatible features are refused too: their meaning, and so their safety, is unknown.
 */
final class Qcow2 {

    static final String BACKING_FILE = "qcow2 image has a backing file; refused";
    static final String DATA_FILE = "qcow2 image has an external data file; refused";

    private static final byte[] MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    private static final int V2_HEADER = 72;
    private static final int V3_HEADER = 104;
    private static final long INCOMPATIBLE_DATA_FILE = 1L << 2;
    /** dirty, corrupt, external data file, compression type, extended L2 entries */
    private static final long INCOMPATIBLE_KNOWN = 0b11111;

    private static final long EXTENSION_END = 0;
    private static final long EXTENSION_DATA_FILE_NAME = 0x44415441L;
    /** qemu's limits: 512-byte to 2 MiB clusters. */
    private static final int MIN_CLUSTER_BITS = 9;

    private static final int MAX_CLUSTER_BITS = 21;

    private Qcow2() {}

    static Optional<Reading> recognize(Bytes head) {
        if (!head.matches(0, MAGIC)) {
            return Optional.empty();
        }
        List<String> refusals = new ArrayList<>();
        long size = read(head, refusals);
        return Optional.of(Reading.of(DiskFormat.QCOW2, size, refusals));
    }

    /** Adds the refusals to {@code refusals}; answers the virtual size, -1 when unreadable. */
    private static long read(Bytes head, List<String> refusals) {
        if (!head.has(0, V2_HEADER)) {
            refusals.add("qcow2 header is truncated; refused");
            return -1;
        }
        long version = head.u32be(4);
        if (version != 2 && version != 3) {
            refusals.add("qcow2 version " + version + " is not supported; refused");
            return -1;
        }
        long size = Sizes.times(head.u64be(24), 1);
        if (size < 0) {
            refusals.add("qcow2 image has an invalid virtual size; refused");
        }
        long backingOffset = head.u64be(8);
        if (backingOffset != 0 || head.u32be(16) != 0) {
            refusals.add(BACKING_FILE);
        }
        long clusterBits = head.u32be(20);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            refusals.add("qcow2 image has an invalid cluster size; refused");
            return size;
        }
        long headerLength = V2_HEADER;
        if (version == 3) {
            if (!head.has(0, V3_HEADER)) {
                refusals.add("qcow2 header is truncated; refused");
                return size;
            }
            long incompatible = head.u64be(72);
            if ((incompatible & INCOMPATIBLE_DATA_FILE) != 0) {
                refusals.add(DATA_FILE);
            }
            if ((incompatible & ~INCOMPATIBLE_KNOWN) != 0) {
                refusals.add("qcow2 image has unknown incompatible features; refused");
            }
            headerLength = head.u32be(100);
            if (headerLength < V3_HEADER) {
                refusals.add("qcow2 header is malformed; refused");
                return size;
            }
        }
        long extensionsEnd = 1L << clusterBits;
        if (backingOffset > 0 && backingOffset < extensionsEnd) {
            extensionsEnd = backingOffset;
        }
        readExtensions(head, headerLength, extensionsEnd, refusals);
        return size;
    }

    /**
     * Walks the header extensions between the header and {@code end} (the end of the first cluster, or the backing
     * file name), looking for the one that names an external data file. Extensions run on past what was captured
     * only in a file built to hide one, so that is refused.
     */
    private static void readExtensions(Bytes head, long from, long end, List<String> refusals) {
        long offset = from;
        while (offset <= end - 8) {
            if (!head.has(offset, 8)) {
                refusals.add("qcow2 header extensions could not be read; refused");
                return;
            }
            long type = head.u32be((int) offset);
            long length = head.u32be((int) offset + 4);
            if (type == EXTENSION_END) {
                return;
            }
            if (type == EXTENSION_DATA_FILE_NAME && !refusals.contains(DATA_FILE)) {
                refusals.add(DATA_FILE);
            }
            offset += 8 + ((length + 7) & ~7L);
        }
    }
}
