package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every image store does, whatever keeps the bytes: the filesystem and S3 stores run these same tests. Data is
 * visible only once published, ranges read what they name, removed data reads as {@link StoreFailure.Missing}, and
 * an upload that is closed unpublished or discarded leaves nothing behind.
 */
abstract class ImageStoreContract {

    protected final String id = UUID.randomUUID().toString();
    private ImageStore store;

    /** A new store on fresh, empty storage. */
    protected abstract ImageStore newStore() throws Exception;

    /** Everything the storage holds for the image, complete or not (files, objects, unfinished uploads). */
    protected abstract List<String> leftovers(String imageId) throws Exception;

    /** A location of this store's scheme that names data somewhere this store does not keep it. */
    protected abstract String foreignLocation();

    /** Enough bytes for several parts or flushes of this store. */
    protected abstract int largeSize();

    protected final ImageStore store() throws Exception {
        if (store == null) {
            store = newStore();
        }
        return store;
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void publishedDataReadsBackWhole() throws Exception {
        String location = publish("hello world");

        assertThat(read(location, 0, -1)).isEqualTo(bytes("hello world"));
        assertThat(leftovers(id)).hasSize(1);
    }

    @Test
    void rangesAreReadFromTheOffsetForTheLength() throws Exception {
        String location = publish("0123456789");

        assertThat(text(read(location, 3, 4))).isEqualTo("3456");
        assertThat(text(read(location, 8, -1))).isEqualTo("89");
        assertThat(text(read(location, 0, 1))).isEqualTo("0");
        assertThat(text(read(location, 9, 1))).isEqualTo("9");
        assertThat(read(location, 4, 0)).isEmpty();
    }

    @Test
    void emptyDataIsStoredAndReadsBackEmpty() throws Exception {
        String location;
        try (ImageStore.Upload upload = store().begin(id)) {
            location = upload.publish();
        }

        assertThat(read(location, 0, -1)).isEmpty();
        assertThat(read(location, 0, 0)).isEmpty();
    }

    /** Many writes of odd sizes, across the store's parts or flushes, come back byte for byte, in any range. */
    @Test
    void largeDataWrittenInOddPiecesComesBackIntact() throws Exception {
        byte[] data = random(largeSize(), 1);
        String location;
        try (ImageStore.Upload upload = store().begin(id)) {
            int at = 0;
            Random sizes = new Random(2);
            while (at < data.length) {
                int n = Math.min(data.length - at, 1 + sizes.nextInt(700_000));
                upload.write(data, at, n);
                at += n;
            }
            location = upload.publish();
        }

        assertThat(read(location, 0, -1)).isEqualTo(data);
        int from = data.length / 3;
        assertThat(read(location, from, 2_000_000)).isEqualTo(Arrays.copyOfRange(data, from, from + 2_000_000));
        assertThat(read(location, data.length - 10, -1))
                .isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));
        assertThat(leftovers(id)).hasSize(1);
    }

    @Test
    void anUploadClosedWithoutPublishingLeavesNothing() throws Exception {
        byte[] data = random(largeSize(), 3);
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(data, 0, data.length);
            upload.write(data, 0, 10);
        }

        assertThat(leftovers(id)).isEmpty();
    }

    @Test
    void deletedDataReadsAsMissingAndDeletingAgainIsNoError() throws Exception {
        String location = publish("x");

        store().delete(location);
        store().delete(location);

        assertThatThrownBy(() -> store().open(location, 0, -1)).isInstanceOf(StoreFailure.Missing.class);
        assertThatThrownBy(() -> store().open(location, 0, 0)).isInstanceOf(StoreFailure.Missing.class);
        assertThat(leftovers(id)).isEmpty();
    }

    @Test
    void discardRemovesPublishedDataOfTheImageOnly() throws Exception {
        String location = publish("data");
        String other = UUID.randomUUID().toString();
        String kept;
        try (ImageStore.Upload upload = store().begin(other)) {
            upload.write(bytes("another image"), 0, 13);
            kept = upload.publish();
        }

        store().discard(id);
        store().discard(id);

        assertThat(leftovers(id)).isEmpty();
        assertThatThrownBy(() -> store().open(location, 0, -1)).isInstanceOf(StoreFailure.Missing.class);
        assertThat(text(read(kept, 0, -1))).isEqualTo("another image");
    }

    @Test
    void discardingAnImageWithNoDataIsNoError() throws Exception {
        store().discard(UUID.randomUUID().toString());
    }

    @Test
    void aLocationThisStoreDoesNotKeepIsRefusedAndNotMissing() throws Exception {
        String foreign = foreignLocation();

        assertThatThrownBy(() -> store().open(foreign, 0, -1))
                .isInstanceOf(StoreFailure.class)
                .isNotInstanceOf(StoreFailure.Missing.class);
        assertThatThrownBy(() -> store().delete(foreign)).isInstanceOf(StoreFailure.class);
    }

    @Test
    void idsThatAreNotUuidsNeverBecomeNames() {
        assertThatThrownBy(() -> store().begin("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store().discard("../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStoreSaysWhichSchemesItReads() throws Exception {
        assertThat(store().schemes()).isNotEmpty();
        String location = publish("x");
        assertThat(store().schemes()).contains(location.substring(0, location.indexOf(':')));
    }

    protected String publish(String content) throws Exception {
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(bytes(content), 0, content.length());
            return upload.publish();
        }
    }

    protected byte[] read(String location, long offset, long length) throws Exception {
        try (InputStream in = store().open(location, offset, length)) {
            return in.readAllBytes();
        }
    }

    protected static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
