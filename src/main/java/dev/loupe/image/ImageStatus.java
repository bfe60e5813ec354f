package dev.loupe.image;

/** The states of Glance's image lifecycle that Loupe uses, by their wire names. */
public enum ImageStatus {
    /** Created, no data yet. */
    QUEUED("queued"),
    /** Data is flowing into the store. */
    SAVING("saving"),
    /** Its data is staged ({@code PUT /v2/images/{id}/stage}), waiting for a {@code glance-direct} import. */
    UPLOADING("uploading"),
    /** An {@code api_image_import} task is bringing its data in ({@code POST /v2/images/{id}/import}). */
    IMPORTING("importing"),
    /** Data stored and verified; the image can be used. */
    ACTIVE("active"),
    /** Its data may not be downloaded by non-admins until it is reactivated. */
    DEACTIVATED("deactivated"),
    /** Removed through the API; the row stays, soft-deleted, as in Glance. */
    DELETED("deleted");

    private final String wire;

    ImageStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static ImageStatus fromWire(String wire) {
        for (ImageStatus status : values()) {
            if (status.wire.equals(wire)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown image status " + wire);
    }
}
