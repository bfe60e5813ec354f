package dev.loupe.store;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

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
     * Starts writing the data of one image so that, should the writer stop before publishing, a later writer may
     * continue it: {@code note} (a few hundred characters at most) is kept with the unfinished data, and
     * {@link #unfinished} hands both back. A store that cannot read back unfinished data ignores the note.
     */
    default Upload begin(String imageId, String note) throws StoreFailure {
        return begin(imageId);
    }

    /**
     * What an upload of the image begun with a note left unfinished (its writer stopped, or closed it after
     * {@link Upload#keep}), when this store can read it back and continue it; empty otherwise.
     */
    default Optional<Unfinished> unfinished(String imageId) throws StoreFailure {
        return Optional.empty();
    }

    /**
     * Whether this store keeps unfinished uploads for another to continue ({@link Upload#keep}): a writer that lost
     * its task to another node leaves its data alone then, for the other may be continuing it; otherwise it removes
     * what it wrote.
     */
    default boolean continuesUploads() {
        return false;
    }

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

        /**
         * Has {@link #close} keep what was written, for a later upload to continue (see {@link #unfinished}), when
         * the store can; otherwise close removes it as usual.
         */
        default void keep() {}

        @Override
        void close();
    }

    /** Data an upload left unfinished, which a new upload can continue. */
    interface Unfinished {

        /** The note the upload was begun with. */
        String note();

        /** How many bytes it holds. */
        long size();

        /** Reads them, from the first. */
        InputStream read() throws StoreFailure;

        /**
         * Continues writing after the bytes held: the unfinished data becomes this upload's, and the writer that left
         * it can no longer remove it.
         */
        Upload resume() throws StoreFailure;
    }
}
