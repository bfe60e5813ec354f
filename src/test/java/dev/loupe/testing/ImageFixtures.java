package dev.loupe.testing;

import dev.loupe.db.Database;
import dev.loupe.image.Activation;
import dev.loupe.image.Image;
import dev.loupe.image.ImageRepository;
import dev.loupe.image.ImageStatus;
import dev.loupe.store.FilesystemStore;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Images put in place behind a server's back, the way an import leaves them: the row through
 * {@link ImageRepository} (inserted saving, then activated with its location) and the data through the
 * filesystem store in the server's store directory ({@code <dataDir>/images}).
 */
public final class ImageFixtures implements AutoCloseable {

    private final Database database;
    private final ImageRepository images;
    private final FilesystemStore store;

    /** The embedded database of a server on this data dir. */
    public ImageFixtures(Path dataDir) {
        this(dataDir, "");
    }

    /** @param connection {@code [database] connection} of the server, or "" for its embedded database */
    public ImageFixtures(Path dataDir, String connection) {
        this.database = Database.open(connection, dataDir);
        this.images = new ImageRepository(database.jdbi());
        try {
            this.store = new FilesystemStore(dataDir.resolve("images")).open();
        } catch (StoreFailure e) {
            throw new IllegalStateException(e);
        }
    }

    public ImageRepository repository() {
        return images;
    }

    /** The image as stored, deleted or not. */
    public Optional<Image> find(String id) {
        return images.find(id);
    }

    /** Adds the image: with data when it is active (its size and hashes computed from the data). */
    public Image insert(NewImage spec) {
        Image base = new Image(
                spec.id,
                spec.name,
                spec.status == ImageStatus.ACTIVE ? ImageStatus.SAVING : spec.status,
                spec.visibility,
                spec.isProtected,
                spec.osHidden,
                spec.owner,
                spec.diskFormat,
                spec.containerFormat,
                null,
                null,
                null,
                null,
                null,
                spec.minDisk,
                spec.minRam,
                spec.tags,
                spec.properties,
                null,
                spec.createdAt,
                spec.updatedAt,
                false,
                null,
                spec.taskId);
        images.insert(base);
        if (spec.status != ImageStatus.ACTIVE) {
            return images.find(spec.id).orElseThrow();
        }
        String location;
        try (ImageStore.Upload upload = store.begin(spec.id)) {
            upload.write(spec.data, 0, spec.data.length);
            location = upload.publish();
        } catch (StoreFailure e) {
            throw new IllegalStateException(e);
        }
        Image active = base.activate(
                new Image.StoredData(
                        location,
                        spec.data.length,
                        spec.virtualSize,
                        hex("MD5", spec.data),
                        "sha512",
                        hex("SHA-512", spec.data),
                        spec.diskFormat),
                spec.updatedAt);
        if (!images.activate(active, new Activation.Upload())) {
            throw new IllegalStateException("image " + spec.id + " could not be activated");
        }
        return images.find(spec.id).orElseThrow();
    }

    /** The file the filesystem store keeps the image's data in. */
    public Path file(Image image) {
        return Path.of(java.net.URI.create(image.location()));
    }

    public static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        database.close();
    }

    /** What to insert; every field has a default: an active private raw image of proj-a with 1 KiB of data. */
    public static final class NewImage {
        String id = UUID.randomUUID().toString();
        String name = "image";
        ImageStatus status = ImageStatus.ACTIVE;
        String visibility = "private";
        boolean isProtected;
        boolean osHidden;
        String owner = "proj-a";
        String diskFormat = "raw";
        String containerFormat = "bare";
        Long virtualSize;
        int minDisk;
        int minRam;
        List<String> tags = List.of();
        Map<String, String> properties = Map.of();
        Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Instant updatedAt = createdAt;
        String taskId;
        byte[] data = pattern(1024);

        public static NewImage image() {
            return new NewImage();
        }

        /** Bytes that differ from offset to offset, so a misplaced range shows. */
        public static byte[] pattern(int length) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) (i * 31 + i / 256);
            }
            return bytes;
        }

        public NewImage id(String value) {
            id = value;
            return this;
        }

        public NewImage name(String value) {
            name = value;
            return this;
        }

        public NewImage status(ImageStatus value) {
            status = value;
            return this;
        }

        public NewImage visibility(String value) {
            visibility = value;
            return this;
        }

        public NewImage isProtected(boolean value) {
            isProtected = value;
            return this;
        }

        public NewImage osHidden(boolean value) {
            osHidden = value;
            return this;
        }

        public NewImage owner(String value) {
            owner = value;
            return this;
        }

        public NewImage diskFormat(String value) {
            diskFormat = value;
            return this;
        }

        public NewImage containerFormat(String value) {
            containerFormat = value;
            return this;
        }

        public NewImage virtualSize(Long value) {
            virtualSize = value;
            return this;
        }

        public NewImage minDisk(int value) {
            minDisk = value;
            return this;
        }

        public NewImage minRam(int value) {
            minRam = value;
            return this;
        }

        public NewImage tags(String... values) {
            tags = List.of(values);
            return this;
        }

        /** {@code properties("k1", "v1", "k2", "v2")} */
        public NewImage properties(String... keysAndValues) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                map.put(keysAndValues[i], keysAndValues[i + 1]);
            }
            properties = map;
            return this;
        }

        /** Both times; updated_at follows unless set after. */
        public NewImage createdAt(Instant value) {
            createdAt = value.truncatedTo(ChronoUnit.MICROS);
            updatedAt = createdAt;
            return this;
        }

        public NewImage updatedAt(Instant value) {
            updatedAt = value.truncatedTo(ChronoUnit.MICROS);
            return this;
        }

        public NewImage taskId(String value) {
            taskId = value;
            return this;
        }

        public NewImage data(byte[] value) {
            data = value;
            return this;
        }
    }
}
