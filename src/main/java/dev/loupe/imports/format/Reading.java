package dev.loupe.imports.format;

import java.util.List;

/**
 * One format's account of an image it recognised from the head. Some formats can only finish it at the end of the
 * stream: the size of a raw disk, a range asked for further on, a trailer in the tail.
 */
@FunctionalInterface
interface Reading {

    /** @param tail the last bytes of the stream, as {@link Tail#bytes()} gives them */
    Inspection verdict(long totalBytes, Bytes tail);

    /** A reading the head settled on its own. */
    static Reading of(DiskFormat format, long virtualSize, List<String> refusals) {
        Inspection inspection = new Inspection(format, virtualSize, refusals);
        return (totalBytes, tail) -> inspection;
    }

    /** Content whose disk is the bytes themselves. */
    static Reading plain(DiskFormat format) {
        return (totalBytes, tail) -> new Inspection(format, totalBytes, List.of());
    }
}
