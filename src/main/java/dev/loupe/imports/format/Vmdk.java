package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * vmdk (little-endian sparse header, VMware's Virtual Disk Format 1.1). Only a sparse file that carries its own
 * descriptor, naming itself as its one extent, is safe: any other vmdk makes a consumer open files the upload
 * does not contain.
 */
final class Vmdk {

    static final String DESCRIPTOR_ONLY = "vmdk descriptor file without data; refused";
    static final String COWD = "vmdk image in the legacy COWD format; refused";

    private static final byte[] SPARSE_MAGIC = {'K', 'D', 'M', 'V'};
    private static final byte[] COWD_MAGIC = {'C', 'O', 'W', 'D'};

    private Vmdk() {}

    static Optional<Reading> recognize(Bytes head, StreamCaptures captures) {
        if (head.matches(0, SPARSE_MAGIC)) {
            return Optional.of(Sparse.start(head, captures));
        }
        if (head.matches(0, COWD_MAGIC)) {
            // The ESX 2 layout names its parent in the header; nothing current writes it.
            return Optional.of(Reading.of(DiskFormat.VMDK, -1, List.of(COWD)));
        }
        if (VmdkDescriptor.isDescriptorFile(head)) {
            return Optional.of(Reading.of(DiskFormat.VMDK, -1, List.of(DESCRIPTOR_ONLY)));
        }
        return Optional.empty();
    }

    /** A hosted sparse extent: header, then its descriptor wherever the header says, read as it streams past. */
    private static final class Sparse implements Reading {

        private static final int HEADER = 64;
        /** VMware writes 20 sectors; anything past 1 MiB is not a descriptor anyone needs. */
        private static final long MAX_DESCRIPTOR_SECTORS = 2048;
        /** gdOffset of a streamOptimized file whose real header is the footer near the end. */
        private static final long GD_AT_END = -1;
        /** The footer header sits before the end-of-stream marker: sector -2, i.e. at this offset in the tail. */
        private static final int FOOTER_IN_TAIL = Tail.SIZE - 2 * (int) Sizes.SECTOR;

        private final List<String> refusals = new ArrayList<>();
        private long size = -1;
        private long capacity;
        private long descriptorOffset;
        private long descriptorSectors;
        private boolean footerRules;

        /** Reads the header, and asks for the descriptor it points at. */
        static Sparse start(Bytes head, StreamCaptures captures) {
            Sparse sparse = new Sparse();
            sparse.readHeader(head)
                    .ifPresent(length -> captures.request(
                            sparse.descriptorOffset * Sizes.SECTOR,
                            length,
                            descriptor -> sparse.read(descriptor, length)));
            return sparse;
        }

        /** Answers the descriptor's length in bytes when it is worth reading. */
        private Optional<Integer> readHeader(Bytes head) {
            if (!head.has(0, HEADER)) {
                refusals.add("vmdk header is truncated; refused");
                return Optional.empty();
            }
            capacity = head.u64le(12);
            descriptorOffset = head.u64le(28);
            descriptorSectors = head.u64le(36);
            footerRules = head.u64le(56) == GD_AT_END;
            size = Sizes.times(capacity, Sizes.SECTOR);
            if (capacity == 0) {
                // qemu then opens the embedded descriptor as a descriptor file, following its extents.
                refusals.add("vmdk image has zero capacity; refused");
            } else if (size < 0) {
                refusals.add("vmdk image has an invalid capacity; refused");
            }
            if (descriptorOffset == 0 || descriptorSectors == 0 || Sizes.times(descriptorOffset, Sizes.SECTOR) < 0) {
                refusals.add(VmdkDescriptor.NO_DESCRIPTOR);
                return Optional.empty();
            }
            if (descriptorSectors < 0 || descriptorSectors > MAX_DESCRIPTOR_SECTORS) {
                refusals.add("vmdk descriptor is too large; refused");
                return Optional.empty();
            }
            return Optional.of((int) (descriptorSectors * Sizes.SECTOR));
        }

        private void read(Bytes descriptor, int length) {
            if (descriptor.length() < length) {
                refusals.add("vmdk descriptor is truncated; refused");
            } else {
                refusals.addAll(VmdkDescriptor.refusals(descriptor));
            }
        }

        /**
         * A streamOptimized writer may only know the grain directory at the end, so qemu then takes the whole header
         * from the footer; a footer that differs from the header checked here would change what qemu opens.
         */
        @Override
        public Inspection verdict(long totalBytes, Bytes tail) {
            List<String> all = new ArrayList<>(refusals);
            if (footerRules) {
                if (tail.length() < Tail.SIZE || !tail.matches(FOOTER_IN_TAIL, SPARSE_MAGIC)) {
                    all.add("vmdk stream footer is missing; refused");
                } else if (tail.u64le(FOOTER_IN_TAIL + 12) != capacity
                        || tail.u64le(FOOTER_IN_TAIL + 28) != descriptorOffset
                        || tail.u64le(FOOTER_IN_TAIL + 36) != descriptorSectors) {
                    all.add("vmdk stream footer does not match its header; refused");
                }
            }
            return new Inspection(DiskFormat.VMDK, size, all);
        }
    }
}
