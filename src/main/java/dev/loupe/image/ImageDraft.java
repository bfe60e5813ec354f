package dev.loupe.image;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The attributes a caller may write, as a PATCH or a create changes them before they are checked and stored. */
final class ImageDraft {

    String name;
    String visibility;
    boolean isProtected;
    boolean osHidden;
    String owner;
    String diskFormat;
    String containerFormat;
    long minDisk;
    long minRam;
    TreeSet<String> tags;
    final Map<String, String> properties;

    ImageDraft(Image image) {
        name = image.name();
        visibility = image.visibility();
        isProtected = image.isProtected();
        osHidden = image.osHidden();
        owner = image.owner();
        diskFormat = image.diskFormat();
        containerFormat = image.containerFormat();
        minDisk = image.minDisk();
        minRam = image.minRam();
        tags = new TreeSet<>(image.tags());
        properties = new TreeMap<>(image.properties());
    }

    /** The image with these attributes; {@code minDisk} and {@code minRam} have been checked to fit. */
    Image applyTo(Image image, Instant now) {
        return new Image(
                image.id(),
                name,
                image.status(),
                visibility,
                isProtected,
                osHidden,
                owner,
                diskFormat,
                containerFormat,
                image.size(),
                image.virtualSize(),
                image.checksum(),
                image.osHashAlgo(),
                image.osHashValue(),
                (int) minDisk,
                (int) minRam,
                new ArrayList<>(tags),
                properties,
                image.location(),
                image.createdAt(),
                now,
                image.deleted(),
                image.deletedAt(),
                image.taskId());
    }
}
