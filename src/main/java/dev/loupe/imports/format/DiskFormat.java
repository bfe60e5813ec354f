package dev.loupe.imports.format;

import java.util.Optional;
import java.util.Set;

/**
 * What an image's bytes turned out to be. The first eight are Glance {@code disk_format} values; {@link #GPT} and
 * {@link #MBR} are raw disks recognised by their partition table; {@link #QED} is a qemu format Glance cannot
 * declare, detected only so that it is never let through under another name (it can name a backing file). The
 * compressed kinds ({@link #GZIP}, {@link #XZ}, {@link #BZIP2}, {@link #ZSTD}) are no disk format at all, and
 * match no declaration either.
 */
public enum DiskFormat {
    RAW("raw", Set.of("raw", "ami", "ari", "aki")),
    QCOW2("qcow2", Set.of("qcow2")),
    VMDK("vmdk", Set.of("vmdk")),
    VHD("vhd", Set.of("vhd")),
    VHDX("vhdx", Set.of("vhdx")),
    VDI("vdi", Set.of("vdi")),
    ISO("iso", Set.of("iso")),
    PLOOP("ploop", Set.of("ploop")),
    GPT("gpt", RAW.declaredAs),
    MBR("mbr", RAW.declaredAs),
    QED("qed", Set.of()),
    GZIP("gzip", Set.of(), "gzip-compressed data"),
    XZ("xz", Set.of(), "xz-compressed data"),
    BZIP2("bzip2", Set.of(), "bzip2-compressed data"),
    ZSTD("zstd", Set.of(), "zstd-compressed data");

    private final String wireName;
    /** The Glance {@code disk_format} values under which content of this kind may be stored. */
    private final Set<String> declaredAs;
    /** For compressed data, what it is in words; null for disk formats. */
    private final String compressed;

    DiskFormat(String wireName, Set<String> declaredAs) {
        this(wireName, declaredAs, null);
    }

    DiskFormat(String wireName, Set<String> declaredAs, String compressed) {
        this.wireName = wireName;
        this.declaredAs = declaredAs;
        this.compressed = compressed;
    }

    /** The name used in messages; for the first eight, the Glance {@code disk_format} value. */
    public String wireName() {
        return wireName;
    }

    /**
     * Whether content of this kind may be stored as {@code diskFormat}. The kernel and ramdisk formats (ami, ari,
     * aki) are plain bytes, so they accept what raw accepts.
     */
    public boolean satisfies(String diskFormat) {
        return declaredAs.contains(diskFormat);
    }

    /** For compressed data, what it is in words ({@code gzip-compressed data}); empty for disk formats. */
    public Optional<String> compressed() {
        return Optional.ofNullable(compressed);
    }
}
