package dev.loupe.imports.format;

import java.util.Objects;
import java.util.Optional;

/**
 * Learns what an image is while its bytes stream once from the source to the store: which disk format (checking for
 * every known one at once), its virtual size, and what makes it unsafe (docs/compatibility.md, "Formats and
 * safety"). Feed every chunk in order to {@link #update}, then call {@link #finish}. It keeps the first 64 KiB, the
 * last 1.5 KiB and the few ranges a header points at (a little over 1 MiB at worst, whatever the image's size), and
 * once the headers are read each chunk costs a few array copies. Content never makes it throw: what cannot be parsed
 * as the format it claims is a refusal.
 *
 * <p>Formats that put a signature at the start win over the fixed vhd footer at the end, which wins over an ISO
 * file system and partition tables: when content could be read two ways, the one that can reference other files
 * is the one checked, and the one compared with the declared {@code disk_format}.
 */
public final class FormatInspector {

    private final StreamCaptures captures = new StreamCaptures(this::recognize);
    private final Tail tail = new Tail();
    /** Chosen from the head: a format known by its leading signature. */
    private Optional<Reading> signed = Optional.empty();
    /** Chosen from the head: a file system or partition table, which a vhd footer overrides. */
    private Optional<Reading> structured = Optional.empty();

    private boolean finished;

    /** Takes the next {@code length} bytes of the image. */
    public void update(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        if (finished) {
            throw new IllegalStateException("inspection already finished");
        }
        captures.feed(chunk, offset, length);
        tail.feed(chunk, offset, length);
    }

    /** After the last chunk: what the image is. Call once. */
    public Inspection finish() {
        if (finished) {
            throw new IllegalStateException("inspection already finished");
        }
        finished = true;
        captures.finish();
        Bytes end = tail.bytes();
        Reading reading =
                signed.or(() -> Vhd.recognizeFixed(end)).or(() -> structured).orElse(Reading.plain(DiskFormat.RAW));
        return reading.verdict(captures.position(), end);
    }

    private void recognize(Bytes head) {
        signed = Compressed.recognize(head)
                .or(() -> Qcow2.recognize(head))
                .or(() -> Qed.recognize(head))
                .or(() -> Vmdk.recognize(head, captures))
                .or(() -> Vhdx.recognize(head, captures))
                .or(() -> Vdi.recognize(head))
                .or(() -> Vhd.recognizeDynamic(head))
                .or(() -> Ploop.recognize(head));
        structured = Iso.recognize(head).or(() -> PartitionTable.recognize(head));
    }
}
