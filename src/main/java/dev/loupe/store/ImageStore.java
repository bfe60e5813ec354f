package dev.loupe.store;

import java.io.InputStream;
import java.util.List;

/**
 * Where image data lives. Data is written through an {@link Upload} that becomes visible only when published,
 * so a reader never sees half an image and a failed import leaves nothing behind. Locations are the store's own
 * URLs ({@code file:///...}, {@code s3://host/bucket/key}), recorded with the image and handed back here to read or
 * delete the data; they never carry credentials.
 */
public interface ImageStore extends AutoCloseable {

    /** The URI schemes of the locations this store writes and reads. */
    List<String> schemes();

    /** Starts writing the data of one image. */
    Upload begin(String imageId) throws StoreFailure;

    /**
     * Reads stored data from {@code offset}, up to {@code length} bytes (-1 for all that follows).
     *
     * @throws StoreFailure.Missing when the store does not hold the data the location names
     */
    InputStream open(String location, long offset, long length) throws StoreFailure;

    /** Removes stored data; data already gone is not an error. */
    void delete(String location) throws StoreFailure;

    /**
     * Removes all data stored for the image, published or not: what an import that failed, or whose process
     * stopped mid-write, left behind.
     */
    void discard(String imageId) throws StoreFailure;

    /** Releases what the store holds open (connections, threads); nothing by default. */
    @Override
    default void close() {}

    /** Data being written; closing it without publishing removes what was written. */
    interface Upload extends AutoCloseable {

        void write(byte[] bytes, int offset, int length) throws StoreFailure;

        /** Makes the data durable and visible under its final location, and returns that location. */
        String publish() throws StoreFailure;

        @Override
        void close();
    }
}
