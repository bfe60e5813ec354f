package dev.loupe.imports.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an image's content is, and why it may not be stored, as learned from one pass over its bytes.
 *
 * @param format      the detected format; {@link DiskFormat#RAW} when nothing else was recognised
 * @param virtualSize the size of the disk the image describes, in bytes; -1 when the format has one but it could
 *                    not be read
 * @param refusals    specific reasons the content is unsafe whatever it was declared as; empty when it is safe
 */
public record Inspection(DiskFormat format, long virtualSize, List<String> refusals) {

    public Inspection {
        Objects.requireNonNull(format, "format");
        refusals = List.copyOf(refusals);
    }

    public boolean safe() {
        return refusals.isEmpty();
    }

    /**
     * Every reason not to store this content as the declared Glance {@code disk_format}: a mismatch between the
     * declaration and the content first (a qcow2 declared raw would be handed to consumers that trust the
     * declaration; compressed data, which is no disk image at all, is named as what it is), then the content's own
     * refusals. Empty when the image may be stored.
     */
    public List<String> refusalsFor(String diskFormat) {
        Objects.requireNonNull(diskFormat, "diskFormat");
        if (format.satisfies(diskFormat)) {
            return refusals;
        }
        List<String> all = new ArrayList<>();
        all.add(format.compressed()
                .map(what -> "Image content is " + what + ", not " + article(diskFormat) + " " + diskFormat
                        + " disk image; refused")
                .orElse("Image content is " + format.wireName() + " but disk_format says " + diskFormat + "; refused"));
        all.addAll(refusals);
        return List.copyOf(all);
    }

    /** "an" before the names said with a leading vowel sound (ami, aki, ari, iso), "a" otherwise. */
    private static String article(String diskFormat) {
        return !diskFormat.isEmpty() && "aeiou".indexOf(diskFormat.charAt(0)) >= 0 ? "an" : "a";
    }
}
