package dev.loupe.imports.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * vhdx (Microsoft's VHDX Format Specification 1.0, all little-endian). The virtual size is an item of the metadata
 * region, which the region table at 192 KiB (copy at 256 KiB) locates; qemu puts the region a few MiB in. The
 * tables and items are captured as they stream past, wherever they are. A disk with a parent is refused, and so is
 * one whose tables cannot be read, since then the parent cannot be ruled out.
 */
final class Vhdx {

    static final String PARENT = "vhdx image has a parent disk; refused";
    static final String UNREADABLE_METADATA = "vhdx metadata could not be read; refused";

    private static final String SIGNATURE = "vhdxfile";
    private static final long REGION_TABLES_AT = 192 * 1024;
    private static final int TABLE = 64 * 1024;
    private static final int MAX_ENTRIES = 2047;
    private static final String REGION_SIGNATURE = "regi";
    private static final String METADATA_SIGNATURE = "metadata";
    private static final byte[] METADATA_REGION = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    private static final byte[] VIRTUAL_DISK_SIZE = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    private static final byte[] FILE_PARAMETERS = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    private static final byte[] PARENT_LOCATOR = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");
    private static final long HAS_PARENT = 1 << 1;

    private final List<String> refusals = new ArrayList<>();
    private final StreamCaptures captures;
    private long size = -1;
    private boolean sizeRead;
    private boolean parametersRead;

    private Vhdx(StreamCaptures captures) {
        this.captures = captures;
    }

    static Optional<Reading> recognize(Bytes head, StreamCaptures captures) {
        if (!head.matches(0, SIGNATURE)) {
            return Optional.empty();
        }
        Vhdx vhdx = new Vhdx(captures);
        captures.request(REGION_TABLES_AT, 2 * TABLE, vhdx::readRegionTables);
        return Optional.of(vhdx::verdict);
    }

    /** Both copies are written together; the first whose checksum holds is used. */
    private void readRegionTables(Bytes tables) {
        for (int at = 0; at < 2 * TABLE; at += TABLE) {
            if (validRegionTable(tables, at)) {
                readRegions(tables, at);
                return;
            }
        }
        refusals.add("vhdx region table is missing or corrupt; refused");
    }

    private static boolean validRegionTable(Bytes tables, int at) {
        if (!tables.has(at, TABLE) || !tables.matches(at, REGION_SIGNATURE)) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(tables.slice(at, 4));
        crc.update(ByteBuffer.allocate(4));
        crc.update(tables.slice(at + 8, TABLE - 8));
        return crc.getValue() == tables.u32le(at + 4) && tables.u32le(at + 8) <= MAX_ENTRIES;
    }

    private void readRegions(Bytes tables, int at) {
        long entries = tables.u32le(at + 8);
        for (int i = 0; i < entries; i++) {
            int entry = at + 16 + 32 * i;
            if (tables.matches(entry, METADATA_REGION)) {
                long region = tables.u64le(entry + 16);
                captures.request(region, TABLE, table -> readMetadataTable(region, table));
                return;
            }
        }
        refusals.add("vhdx image has no metadata region; refused");
    }

    private void readMetadataTable(long region, Bytes table) {
        if (!table.has(0, TABLE) || !table.matches(0, METADATA_SIGNATURE) || table.u16le(10) > MAX_ENTRIES) {
            return;
        }
        int entries = table.u16le(10);
        long sizeItem = -1;
        long parametersItem = -1;
        for (int i = 0; i < entries; i++) {
            int entry = 32 + 32 * i;
            long item = region + table.u32le(entry + 16);
            if (table.matches(entry, VIRTUAL_DISK_SIZE)) {
                sizeItem = item;
            } else if (table.matches(entry, FILE_PARAMETERS)) {
                parametersItem = item;
            } else if (table.matches(entry, PARENT_LOCATOR)) {
                addOnce(PARENT);
            }
        }
        // One capture per item even if a table lists it many times: each waiting capture costs every later chunk.
        if (sizeItem >= 0) {
            captures.request(sizeItem, 8, this::readVirtualDiskSize);
        }
        if (parametersItem >= 0) {
            captures.request(parametersItem, 8, this::readFileParameters);
        }
    }

    private void readVirtualDiskSize(Bytes item) {
        if (item.has(0, 8)) {
            sizeRead = true;
            size = Sizes.times(item.u64le(0), 1);
        }
    }

    private void readFileParameters(Bytes item) {
        if (item.has(0, 8)) {
            parametersRead = true;
            if ((item.u32le(4) & HAS_PARENT) != 0) {
                addOnce(PARENT);
            }
        }
    }

    private Inspection verdict(long totalBytes, Bytes tail) {
        List<String> all = new ArrayList<>(refusals);
        if (all.isEmpty() && (!sizeRead || !parametersRead)) {
            all.add(UNREADABLE_METADATA);
        } else if (sizeRead && size < 0) {
            all.add("vhdx image has an invalid size; refused");
        }
        return new Inspection(DiskFormat.VHDX, size, all);
    }

    private void addOnce(String refusal) {
        if (!refusals.contains(refusal)) {
            refusals.add(refusal);
        }
    }

    /** A GUID as the specification stores it: the first three fields little-endian, the last eight bytes as written. */
    private static byte[] guid(String text) {
        String hex = text.replace("-", "");
        byte[] bytes = new byte[16];
        for (int i = 0; i < 16; i++) {
            bytes[i] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
        }
        swap(bytes, 0, 3);
        swap(bytes, 1, 2);
        swap(bytes, 4, 5);
        swap(bytes, 6, 7);
        return bytes;
    }

    private static void swap(byte[] bytes, int i, int j) {
        byte b = bytes[i];
        bytes[i] = bytes[j];
        bytes[j] = b;
    }
}
