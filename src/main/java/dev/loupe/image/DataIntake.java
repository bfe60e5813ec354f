package dev.loupe.image;

import dev.loupe.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;

/**
 * Writes an image's data to the store in one pass, measuring and inspecting it as it flows: what
 * {@code PUT /v2/images/{id}/file} does with the request body. The import capability provides it (the same one-pass
 * digests, format inspection and size cap as an import), so the image package names no task type.
 */
public interface DataIntake {

    /**
     * Stores {@code data} to its end as the data of {@code image} (queued, with its disk and container formats set)
     * and publishes it. Nothing is left in the store when this throws.
     *
     * @param announced the length the client announced, or -1 when it sent none (chunked)
     * @throws dev.loupe.failure.LoupeException.InvalidInput when the content is refused (unsafe, or another disk
     *     format than declared)
     * @throws dev.loupe.failure.LoupeException.TooLarge when the data is larger than the size cap
     * @throws IOException when reading {@code data} fails (the client went away)
     * @throws StoreFailure when the store cannot take the data
     */
    Image.StoredData store(Image image, InputStream data, long announced)
            throws IOException, StoreFailure, InterruptedException;

    /** The largest image it takes, in bytes ({@code [DEFAULT] image_size_cap}). */
    long sizeCap();
}
