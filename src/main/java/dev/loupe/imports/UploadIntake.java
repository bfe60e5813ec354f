package dev.loupe.imports;

import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.failure.LoupeException.TooLarge;
import dev.loupe.image.DataIntake;
import dev.loupe.image.Image;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalLong;

/**
 * The data of {@code PUT /v2/images/{id}/file}, taken as an import takes its source: one pass through md5, the
 * configured multihash, the format inspector and the size cap into the store (docs/compatibility.md, "Uploads").
 * Content that is unsafe whatever it is declared as (a qcow2 with a backing file, a vmdk with external extents) is
 * refused as imports refuse it, and so is content recognised as another disk image format than the declared one (a
 * qcow2 declared raw). Unlike an import, bytes that are no recognised format are stored under any
 * {@code disk_format}, with no {@code virtual_size}, as Glance stores them: clients and test suites upload opaque
 * bytes as vhd or vmdk.
 */
public final class UploadIntake implements DataIntake {

    private final ImageStore store;
    private final HashAlgorithm hashAlgorithm;
    private final long sizeCap;

    public UploadIntake(ImageStore store, HashAlgorithm hashAlgorithm, long sizeCap) {
        this.store = store;
        this.hashAlgorithm = hashAlgorithm;
        this.sizeCap = sizeCap;
    }

    @Override
    public long sizeCap() {
        return sizeCap;
    }

    @Override
    public Image.StoredData store(Image image, InputStream data, long announced)
            throws IOException, StoreFailure, InterruptedException {
        Transfer transfer = new Transfer(hashAlgorithm, progress -> {});
        try (ImageStore.Upload upload = store.begin(image.id())) {
            Transfer.Copied copied = transfer.copy(
                    new Capped(data, sizeCap),
                    announced < 0 ? OptionalLong.empty() : OptionalLong.of(announced),
                    upload);
            List<String> refusals = copied.refusalsAsSent(image.diskFormat());
            if (!refusals.isEmpty()) {
                throw new InvalidInput(String.join("; ", refusals));
            }
            return transfer.stored(
                    copied, upload.publish(), image.diskFormat(), copied.virtualSize(image.diskFormat()));
        }
    }

    /** Refuses to read past the size cap: the upload stops at the first byte over it. */
    private static final class Capped extends FilterInputStream {
        private final long cap;
        private long count;

        Capped(InputStream in, long cap) {
            super(in);
            this.cap = cap;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(long n) {
            count += n;
            if (count > cap) {
                throw new TooLarge(
                        "The incoming image is too large: it is larger than the image_size_cap of " + cap + " bytes.");
            }
        }
    }
}
