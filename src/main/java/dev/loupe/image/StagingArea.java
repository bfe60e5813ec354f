package dev.loupe.image;

import dev.loupe.failure.LoupeException.TooLarge;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where {@code PUT /v2/images/{id}/stage} keeps an image's data until its {@code glance-direct} import reads it
 * (Glance's {@code node_staging_uri}): a file per image in a folder of the work directory, written under a temporary
 * name and renamed when complete, so a half-written file is never imported. The import removes it when it ends,
 * whatever the outcome. In a cluster the folder must be one every node reads (a shared file system), as Glance's
 * staging area must be.
 */
public final class StagingArea {

    private static final int BUFFER = 1 << 16;
    private static final String PARTIAL = ".part";

    private final Path directory;

    /** @param directory made at the first stage, so a server that never stages leaves no folder */
    public StagingArea(Path directory) {
        this.directory = directory;
    }

    /**
     * Writes {@code data} to its end as the staged data of {@code imageId}.
     *
     * @return the bytes staged
     * @throws TooLarge   past {@code cap} bytes (nothing stays)
     * @throws IOException when reading or writing fails (nothing stays)
     */
    long stage(String imageId, InputStream data, long cap) throws IOException {
        Files.createDirectories(directory);
        Path part = directory.resolve(imageId + PARTIAL);
        long size = 0;
        boolean done = false;
        try {
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = data.read(buffer)) > 0) {
                    size += n;
                    if (size > cap) {
                        throw new TooLarge("The incoming image is too large: it is larger than the image_size_cap of "
                                + cap + " bytes.");
                    }
                    out.write(buffer, 0, n);
                }
            }
            Files.move(part, file(imageId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return size;
        } finally {
            if (!done) {
                Files.deleteIfExists(part);
            }
        }
    }

    /** The staged data of the image. */
    public InputStream open(String imageId) throws IOException {
        return Files.newInputStream(file(imageId));
    }

    /** The size of the staged data of the image. */
    public long size(String imageId) throws IOException {
        return Files.size(file(imageId));
    }

    /** Removes what is staged for the image, complete or not; nothing staged is fine. */
    public void remove(String imageId) throws IOException {
        Files.deleteIfExists(file(imageId));
        Files.deleteIfExists(directory.resolve(imageId + PARTIAL));
    }

    /** The images that have complete staged data (not those being staged now). */
    public List<String> staged() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> !name.endsWith(PARTIAL))
                    .toList();
        }
    }

    /**
     * Images whose staging was cut off by a stopped process: a partial file untouched since {@code before}. A stage
     * that runs writes its file as the body arrives.
     */
    public List<String> abandoned(Instant before) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<String> abandoned = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(PARTIAL)
                        && Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                    abandoned.add(name.substring(0, name.length() - PARTIAL.length()));
                }
            }
        }
        return abandoned;
    }

    /** Removes a partial file left by a stopped stage; the image's complete staged data, if any, stays. */
    public void removePartial(String imageId) throws IOException {
        Files.deleteIfExists(directory.resolve(imageId + PARTIAL));
    }

    /** Whether the image has complete staged data. */
    public boolean holds(String imageId) {
        return Files.exists(file(imageId));
    }

    private Path file(String imageId) {
        return directory.resolve(imageId);
    }
}
