package dev.loupe.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image data as files in one directory ({@code [glance_store] filesystem_store_datadir}), named by image id as
 * Glance names them. An upload writes {@code <id>.<random>.partial}, forces it to disk and renames it into place,
 * so the final name only ever holds complete data. An upload begun with a note keeps it in
 * {@code <id>.<random>.note.partial}: such an upload's partial file, left by a process that stopped, is read back
 * and continued by the next run (docs/extensions.md).
 */
public final class FilesystemStore implements ImageStore {

    private static final Logger LOG = LoggerFactory.getLogger(FilesystemStore.class);
    private static final String PARTIAL = ".partial";
    private static final String NOTE = ".note" + PARTIAL;

    private final Path directory;

    public FilesystemStore(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /** Creates the directory; a directory that cannot be written stops the start, not the first import. */
    public FilesystemStore open() throws StoreFailure {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StoreFailure("Cannot create the image store directory " + directory + ": " + describe(e), e);
        }
        if (!Files.isWritable(directory)) {
            throw new StoreFailure("The image store directory " + directory + " is not writable");
        }
        return this;
    }

    @Override
    public List<String> schemes() {
        return List.of("file");
    }

    @Override
    public Upload begin(String imageId) throws StoreFailure {
        return begin(imageId, null);
    }

    @Override
    public Upload begin(String imageId, String note) throws StoreFailure {
        String stem = fileName(imageId) + "." + UUID.randomUUID();
        Path partial = directory.resolve(stem + PARTIAL);
        Path noteFile = note == null ? null : directory.resolve(stem + NOTE);
        try {
            if (noteFile != null) {
                Files.writeString(noteFile, note, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            return new FileUpload(
                    FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    partial,
                    noteFile,
                    directory.resolve(fileName(imageId)));
        } catch (IOException e) {
            try {
                if (noteFile != null) {
                    Files.deleteIfExists(noteFile);
                }
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new StoreFailure("Cannot write to the image store: " + describe(e), e);
        }
    }

    /** The largest partial file of the image that has its note: what the last resumable upload left. */
    @Override
    public boolean continuesUploads() {
        return true;
    }

    @Override
    public Optional<Unfinished> unfinished(String imageId) throws StoreFailure {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        Path best = null;
        long bestSize = -1;
        try (DirectoryStream<Path> notes = Files.newDirectoryStream(directory, fileName(imageId) + ".*" + NOTE)) {
            for (Path note : notes) {
                String name = note.getFileName().toString();
                Path data = directory.resolve(name.substring(0, name.length() - NOTE.length()) + PARTIAL);
                if (Files.isRegularFile(data) && Files.size(data) > bestSize) {
                    best = data;
                    bestSize = Files.size(data);
                }
            }
            if (best == null) {
                return Optional.empty();
            }
            return Optional.of(new FileUnfinished(imageId, best, noteOf(best), bestSize));
        } catch (NoSuchFileException e) {
            // Removed while we looked (a cleanup elsewhere): nothing to continue.
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreFailure("Cannot read the unfinished data of image " + imageId + ": " + describe(e), e);
        }
    }

    private static Path noteOf(Path partial) {
        String name = partial.getFileName().toString();
        return partial.resolveSibling(name.substring(0, name.length() - PARTIAL.length()) + NOTE);
    }

    private final class FileUnfinished implements Unfinished {
        private final String imageId;
        private final String note;
        private final long size;
        private Path data;

        FileUnfinished(String imageId, Path data, Path noteFile, long size) throws IOException {
            this.imageId = imageId;
            this.data = data;
            this.note = Files.readString(noteFile);
            this.size = size;
        }

        @Override
        public String note() {
            return note;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public InputStream read() throws StoreFailure {
            try {
                return new BoundedStream(Files.newInputStream(data), size);
            } catch (IOException e) {
                throw new StoreFailure("Cannot read the unfinished data of image " + imageId + ": " + describe(e), e);
            }
        }

        /**
         * Renames the files to a name of this upload's own, so the writer that left them (should it still run)
         * removes nothing of ours; removes the image's other partial files; continues after {@link #size} bytes.
         */
        @Override
        public Upload resume() throws StoreFailure {
            String stem = fileName(imageId) + "." + UUID.randomUUID();
            Path partial = directory.resolve(stem + PARTIAL);
            Path noteFile = directory.resolve(stem + NOTE);
            try {
                Files.move(noteOf(data), noteFile, StandardCopyOption.ATOMIC_MOVE);
                Files.move(data, partial, StandardCopyOption.ATOMIC_MOVE);
                data = partial;
                try (DirectoryStream<Path> others =
                        Files.newDirectoryStream(directory, fileName(imageId) + ".*" + PARTIAL)) {
                    for (Path other : others) {
                        if (!other.equals(partial) && !other.equals(noteFile)) {
                            Files.deleteIfExists(other);
                        }
                    }
                }
                FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE);
                channel.truncate(size);
                channel.position(size);
                return new FileUpload(channel, partial, noteFile, directory.resolve(fileName(imageId)));
            } catch (IOException e) {
                throw new StoreFailure(
                        "Cannot continue the unfinished data of image " + imageId + ": " + describe(e), e);
            }
        }
    }

    @Override
    public InputStream open(String location, long offset, long length) throws StoreFailure {
        Path file = path(location);
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return length < 0 ? in : new BoundedStream(in, length);
        } catch (NoSuchFileException e) {
            throw new StoreFailure.Missing("The image data is missing from the store", e);
        } catch (IOException e) {
            throw new StoreFailure("Cannot read the image data: " + describe(e), e);
        }
    }

    @Override
    public void delete(String location) throws StoreFailure {
        try {
            Files.deleteIfExists(path(location));
        } catch (IOException e) {
            throw new StoreFailure("Cannot delete the image data: " + describe(e), e);
        }
    }

    @Override
    public void discard(String imageId) throws StoreFailure {
        if (!Files.isDirectory(directory)) {
            // Kept only to read what was stored before a switch to another store, and never created.
            return;
        }
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(directory, fileName(imageId) + ".*" + PARTIAL)) {
            for (Path partial : partials) {
                Files.deleteIfExists(partial);
            }
            Files.deleteIfExists(directory.resolve(fileName(imageId)));
        } catch (IOException e) {
            throw new StoreFailure("Cannot remove the data of image " + imageId + ": " + describe(e), e);
        }
    }

    /** The file a location names, refused unless it is in this store's directory. */
    private Path path(String location) throws StoreFailure {
        Path file;
        try {
            file = Path.of(java.net.URI.create(location)).normalize();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new StoreFailure("Not a location of the filesystem store: " + location, e);
        }
        if (!directory.equals(file.getParent())) {
            throw new StoreFailure("Not a location of the filesystem store: " + location);
        }
        return file;
    }

    /** Image ids are UUIDs; anything else must never become a path. */
    private static String fileName(String imageId) {
        return UUID.fromString(imageId).toString();
    }

    /**
     * What went wrong, without the paths: messages reach users, who need the cause (no space, no permission)
     * and not the server's file layout. The log gets the whole exception.
     */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException fileSystem) {
            return fileSystem.getReason() != null
                    ? fileSystem.getReason()
                    : switch (fileSystem) {
                        case NoSuchFileException missing -> "no such file or directory";
                        case AccessDeniedException denied -> "permission denied";
                        case FileAlreadyExistsException exists -> "the file exists already";
                        default -> fileSystem.getClass().getSimpleName();
                    };
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Writes out an upload's data while more arrives, so the final fsync has little left to do instead of the
     * whole image: on a disk that writes about as fast as the download, that wait would otherwise double.
     */
    private static final ExecutorService FLUSHER = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("store-flush-", 1).daemon().factory());

    private static final long FLUSH_EVERY = 64L << 20;

    private static final class FileUpload implements Upload {
        private final FileChannel channel;
        private final Path partial;
        private final Path noteFile;
        private final Path target;
        private boolean published;
        private boolean keep;
        private long unflushed;
        private Future<?> flushing = CompletableFuture.completedFuture(null);

        /** @param noteFile the upload's note, kept while it is unfinished; null for an upload without one */
        FileUpload(FileChannel channel, Path partial, Path noteFile, Path target) {
            this.channel = channel;
            this.partial = partial;
            this.noteFile = noteFile;
            this.target = target;
        }

        /** Only an upload with a note can be found again and continued. */
        @Override
        public void keep() {
            keep = noteFile != null;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws StoreFailure {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new StoreFailure("Writing the image to the store failed: " + describe(e), e);
            }
            unflushed += length;
            if (unflushed >= FLUSH_EVERY && flushing.isDone()) {
                unflushed = 0;
                // A failure here shows again, with its cause, in the fsync of publish().
                flushing = FLUSHER.submit(() -> {
                    channel.force(false);
                    return null;
                });
            }
        }

        @Override
        public String publish() throws StoreFailure {
            try {
                awaitFlush();
                channel.force(true);
                channel.close();
                if (Files.exists(target)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                if (noteFile != null) {
                    Files.deleteIfExists(noteFile);
                }
                forceDirectory(target.getParent());
            } catch (IOException e) {
                throw new StoreFailure("Saving the image in the store failed: " + describe(e), e);
            }
            published = true;
            return target.toUri().toString();
        }

        private void awaitFlush() {
            boolean interrupted = false;
            while (true) {
                try {
                    flushing.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** The rename is durable only once the directory entry is on disk too. */
        private static void forceDirectory(Path directory) throws IOException {
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        }

        @Override
        public void close() {
            if (published) {
                return;
            }
            try {
                awaitFlush();
                channel.close();
                if (keep) {
                    return;
                }
                Files.deleteIfExists(partial);
                if (noteFile != null) {
                    Files.deleteIfExists(noteFile);
                }
            } catch (IOException e) {
                LOG.warn("Could not remove the unfinished upload {}", partial, e);
            }
        }
    }
}
