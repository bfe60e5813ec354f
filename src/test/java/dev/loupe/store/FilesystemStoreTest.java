package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemStoreTest {

    @TempDir
    Path dir;

    private final String id = UUID.randomUUID().toString();

    @Test
    void dataIsVisibleUnderTheImageIdOnlyOncePublished() throws Exception {
        FilesystemStore store = new FilesystemStore(dir).open();
        String location;
        try (ImageStore.Upload upload = store.begin(id)) {
            upload.write(bytes("hello world"), 0, 11);
            assertThat(dir.resolve(id)).doesNotExist();
            assertThat(partials()).isEqualTo(1);
            location = upload.publish();
        }

        assertThat(location).isEqualTo(dir.resolve(id).toUri().toString());
        assertThat(dir.resolve(id)).hasContent("hello world");
        assertThat(partials()).isZero();
    }

    @Test
    void anUploadClosedWithoutPublishingLeavesNothing() throws Exception {
        FilesystemStore store = new FilesystemStore(dir).open();
        try (ImageStore.Upload upload = store.begin(id)) {
            upload.write(bytes("half"), 0, 4);
        }

        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void rangesAreReadFromTheOffsetForTheLength() throws Exception {
        FilesystemStore store = new FilesystemStore(dir).open();
        String location = publish(store, "0123456789");

        try (InputStream in = store.open(location, 3, 4)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3456");
        }
        try (InputStream in = store.open(location, 8, -1)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("89");
        }
    }

    @Test
    void discardRemovesPublishedAndUnfinishedDataOfTheImageOnly() throws Exception {
        FilesystemStore store = new FilesystemStore(dir).open();
        publish(store, "data");
        Files.writeString(dir.resolve(id + "." + UUID.randomUUID() + ".partial"), "left by a stopped process");
        String other = UUID.randomUUID().toString();
        Files.writeString(dir.resolve(other), "another image");

        store.discard(id);

        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(other);
        }
    }

    @Test
    void deleteOfMissingDataIsNotAnError() throws Exception {
        FilesystemStore store = new FilesystemStore(dir).open();
        String location = publish(store, "x");
        store.delete(location);
        store.delete(location);

        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void locationsOutsideTheStoreDirectoryAreRefused() throws Exception {
        FilesystemStore store = new FilesystemStore(dir.resolve("images")).open();
        Path outside = Files.writeString(dir.resolve("secret"), "not an image");

        assertThatThrownBy(() -> store.open(outside.toUri().toString(), 0, -1))
                .isInstanceOf(StoreFailure.class)
                .hasMessageStartingWith("Not a location of the filesystem store");
        assertThatThrownBy(() ->
                        store.delete(dir.resolve("images/../secret").toUri().toString()))
                .isInstanceOf(StoreFailure.class);
        assertThat(outside).exists();
    }

    @Test
    void idsThatAreNotUuidsNeverBecomePaths() {
        FilesystemStore store = new FilesystemStore(dir);

        assertThatThrownBy(() -> store.begin("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStoreDirectoryThatCannotBeCreatedIsReportedAtOpen() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "");

        assertThatThrownBy(() -> new FilesystemStore(file.resolve("images")).open())
                .isInstanceOf(StoreFailure.class)
                .hasMessageContaining("Cannot create the image store directory");
    }

    private String publish(FilesystemStore store, String content) throws StoreFailure {
        try (ImageStore.Upload upload = store.begin(id)) {
            upload.write(bytes(content), 0, content.length());
            return upload.publish();
        }
    }

    private long partials() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".partial")).count();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
