package dev.loupe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemStoreTest extends ImageStoreContract {

    @TempDir
    Path dir;

    @Override
    protected ImageStore newStore() throws StoreFailure {
        return new FilesystemStore(dir).open();
    }

    @Override
    protected List<String> leftovers(String imageId) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(imageId))
                    .toList();
        }
    }

    @Override
    protected String foreignLocation() {
        return dir.resolveSibling("elsewhere").resolve(id).toUri().toString();
    }

    @Override
    protected int largeSize() {
        return 3 << 20;
    }

    @Test
    void dataIsVisibleUnderTheImageIdOnlyOncePublished() throws Exception {
        String location;
        try (ImageStore.Upload upload = store().begin(id)) {
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
    void discardRemovesPartialFilesAStoppedProcessLeft() throws Exception {
        store();
        Files.writeString(dir.resolve(id + "." + UUID.randomUUID() + ".partial"), "left by a stopped process");

        store().discard(id);

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
    void aStoreDirectoryThatCannotBeCreatedIsReportedAtOpen() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "");

        assertThatThrownBy(() -> new FilesystemStore(file.resolve("images")).open())
                .isInstanceOf(StoreFailure.class)
                .hasMessageContaining("Cannot create the image store directory");
    }

    /** Kept to read what was stored before a switch to S3, the store is never opened and its folder may not exist. */
    @Test
    void aStoreWhoseFolderWasNeverMadeHasNothingToDiscard() throws Exception {
        new FilesystemStore(dir.resolve("never-made")).discard(id);

        assertThat(dir.resolve("never-made")).doesNotExist();
    }

    @Test
    void anUploadWithANoteThatIsKeptCanBeContinuedByTheNextWriter() throws Exception {
        try (ImageStore.Upload upload = store().begin(id, "\"etag-1\"")) {
            upload.write(bytes("hello "), 0, 6);
            upload.keep();
        }
        assertThat(leftovers(id)).hasSize(2);

        ImageStore.Unfinished unfinished = store().unfinished(id).orElseThrow();
        assertThat(unfinished.note()).isEqualTo("\"etag-1\"");
        assertThat(unfinished.size()).isEqualTo(6);
        try (var in = unfinished.read()) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("hello "));
        }
        String location;
        try (ImageStore.Upload upload = unfinished.resume()) {
            upload.write(bytes("world"), 0, 5);
            location = upload.publish();
        }

        assertThat(read(location, 0, -1)).isEqualTo(bytes("hello world"));
        assertThat(leftovers(id)).containsExactly(id);
        assertThat(store().unfinished(id)).isEmpty();
    }

    @Test
    void whatAKilledWriterLeftIsFoundAsIs() throws Exception {
        // A process killed mid-write closes nothing: its partial file and note stay as they were.
        ImageStore.Upload abandoned = store().begin(id, "v");
        abandoned.write(bytes("0123456789"), 0, 10);

        ImageStore.Unfinished unfinished = store().unfinished(id).orElseThrow();
        assertThat(unfinished.size()).isEqualTo(10);
        try (ImageStore.Upload upload = unfinished.resume()) {
            // The old writer, should it still run, can no longer remove what is now this upload's.
            abandoned.close();
            upload.write(bytes("ab"), 0, 2);
            assertThat(read(upload.publish(), 0, -1)).isEqualTo(bytes("0123456789ab"));
        }
    }

    @Test
    void closingWithoutKeepingOrWithoutANoteLeavesNothing() throws Exception {
        try (ImageStore.Upload upload = store().begin(id, "v")) {
            upload.write(bytes("data"), 0, 4);
        }
        try (ImageStore.Upload upload = store().begin(id)) {
            upload.write(bytes("data"), 0, 4);
            upload.keep();
        }

        assertThat(leftovers(id)).isEmpty();
        assertThat(store().unfinished(id)).isEmpty();
    }

    @Test
    void discardRemovesKeptDataAndItsNote() throws Exception {
        try (ImageStore.Upload upload = store().begin(id, "v")) {
            upload.write(bytes("data"), 0, 4);
            upload.keep();
        }

        store().discard(id);

        assertThat(leftovers(id)).isEmpty();
    }

    private long partials() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".partial")).count();
        }
    }
}
