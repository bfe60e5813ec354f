package dev.loupe.image;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An image as stored: Glance's base attributes, its tags and extra properties, and where its data is.
 *
 * @param size        bytes of data stored; null until the image is active
 * @param virtualSize size of the disk the image describes; null when unknown
 * @param location    the store's address of the data (never shown to users); null until the data is stored
 * @param taskId      the import task creating the image; kept so an interrupted import's leftovers can be found
 */
public record Image(
        String id,
        String name,
        ImageStatus status,
        String visibility,
        boolean isProtected,
        boolean osHidden,
        String owner,
        String diskFormat,
        String containerFormat,
        Long size,
        Long virtualSize,
        String checksum,
        String osHashAlgo,
        String osHashValue,
        int minDisk,
        int minRam,
        List<String> tags,
        Map<String, String> properties,
        String location,
        Instant createdAt,
        Instant updatedAt,
        boolean deleted,
        Instant deletedAt,
        String taskId) {

    public Image {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(visibility, "visibility");
        tags = List.copyOf(tags);
        properties = Map.copyOf(properties);
    }

    /** The stored data and what it was measured to be: the image becomes usable. */
    public Image activate(StoredData data, Instant now) {
        return new Image(
                id,
                name,
                ImageStatus.ACTIVE,
                visibility,
                isProtected,
                osHidden,
                owner,
                data.diskFormat(),
                containerFormat,
                data.size(),
                data.virtualSize(),
                data.checksum(),
                data.hashAlgo(),
                data.hashValue(),
                minDisk,
                minRam,
                tags,
                properties,
                data.location(),
                createdAt,
                now,
                deleted,
                deletedAt,
                taskId);
    }

    /**
     * What an import learned of the data it stored.
     *
     * @param diskFormat  the format the data is stored in (the converted one, when converted)
     * @param virtualSize null when the format carries none
     */
    public record StoredData(
            String location,
            long size,
            Long virtualSize,
            String checksum,
            String hashAlgo,
            String hashValue,
            String diskFormat) {}
}
