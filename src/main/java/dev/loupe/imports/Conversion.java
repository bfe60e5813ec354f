package dev.loupe.imports;

import dev.loupe.engine.TaskFailure;
import dev.loupe.engine.TaskRun;
import dev.loupe.failure.LoupeException.BadConfiguration;
import dev.loupe.image.Image;
import dev.loupe.imports.fetch.ResumableSource;
import dev.loupe.store.FilesystemStore;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code [taskflow_executor] conversion_format}: imports not already in that format are converted with
 * {@code qemu-img convert} before they are stored. Only here is the source written to scratch space first
 * ({@code [task] work_dir}), because qemu-img needs a file; the source is inspected on the way and refused before
 * qemu-img ever reads it, and the converted file is inspected again as it goes to the store.
 */
public final class Conversion {

    private static final Logger LOG = LoggerFactory.getLogger(Conversion.class);

    private final String target;
    private final Path workDir;

    private Conversion(String target, Path workDir) {
        this.target = target;
        this.workDir = workDir;
    }

    /**
     * @param target the format to convert to; empty for no conversion
     * @throws BadConfiguration when a conversion is asked for and qemu-img cannot run
     */
    public static Conversion to(String target, Path workDir) {
        if (target.isEmpty()) {
            // The folder is kept all the same: a conversion cut off before a restart without one left files there.
            return new Conversion(null, workDir);
        }
        try {
            Process probe = new ProcessBuilder("qemu-img", "--version")
                    .redirectErrorStream(true)
                    .start();
            probe.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                throw new IOException("qemu-img --version failed");
            }
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new BadConfiguration(
                    "[taskflow_executor] conversion_format = " + target + " needs qemu-img and"
                            + " a writable [task] work_dir (" + workDir + "): " + e.getMessage()
                            + ". Install qemu-img (Debian package qemu-utils) or leave conversion_format empty.",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadConfiguration("Interrupted while checking for qemu-img", e);
        }
        return new Conversion(target, workDir);
    }

    /** Whether an image declared as {@code diskFormat} is converted before it is stored. */
    boolean wanted(String diskFormat) {
        return target != null && !target.equals(diskFormat);
    }

    /** Fetches to scratch, checks, converts and stores: the image is stored in the target format. */
    Image.StoredData convertAndStore(
            Image queued,
            ResumableSource source,
            Transfer transfer,
            ImageStore store,
            TaskRun run,
            Verification verification)
            throws IOException, StoreFailure, TaskFailure, InterruptedException {
        FilesystemStore scratch = new FilesystemStore(workDir).open();
        try {
            Transfer.Copied fetched;
            String sourceLocation;
            while (true) {
                try (ImageStore.Upload upload = scratch.begin(queued.id())) {
                    fetched = ImportPipeline.copyVerified(transfer, null, source, upload, verification);
                    ImportPipeline.refuseUnsafe(fetched, queued.diskFormat());
                    sourceLocation = upload.publish();
                    break;
                } catch (ResumableSource.Restarted e) {
                    // The source started over: so does the scratch copy.
                }
            }
            run.progress("Converting to " + target);
            Path converted = converted(queued.id());
            try {
                convert(Path.of(java.net.URI.create(sourceLocation)), qemuName(queued.diskFormat()), converted, run);
                try (InputStream in = Files.newInputStream(converted);
                        ImageStore.Upload upload = store.begin(queued.id())) {
                    Transfer.Copied copied = transfer.copy(in, OptionalLong.of(Files.size(converted)), upload);
                    ImportPipeline.refuseUnsafe(copied, target);
                    return transfer.stored(copied, upload.publish(), target, ImportPipeline.virtualSize(copied));
                }
            } finally {
                Files.deleteIfExists(converted);
            }
        } finally {
            scratch.discard(queued.id());
        }
    }

    /**
     * Removes what a conversion of the image left in the scratch folder: a run cut off mid-way (a killed worker)
     * leaves its fetched copy, a partial one or qemu-img's output there, and no {@code finally} ran to remove them.
     */
    void discard(String imageId) throws StoreFailure {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        new FilesystemStore(workDir).discard(imageId);
        try {
            Files.deleteIfExists(converted(imageId));
            Files.deleteIfExists(logOf(converted(imageId)));
        } catch (IOException e) {
            throw new StoreFailure(
                    "Cannot remove the conversion output of image " + imageId + ": " + e.getMessage(), e);
        }
    }

    /** Where qemu-img writes the converted image; image ids are UUIDs, never paths. */
    private Path converted(String imageId) {
        return workDir.resolve(UUID.fromString(imageId) + ".converted");
    }

    /**
     * Runs qemu-img with its output in a file, so that waiting for it can be interrupted (shutdown), which then
     * stops it, as a cancelled run does; any output at all means trouble, as upstream judges it.
     */
    private void convert(Path source, String sourceFormat, Path output, TaskRun run)
            throws TaskFailure, InterruptedException {
        List<String> command =
                List.of("qemu-img", "convert", "-f", sourceFormat, "-O", target, source.toString(), output.toString());
        Path log = logOf(output);
        Process process = null;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
            run.onCancel(process::destroyForcibly);
            int exit = process.waitFor();
            String said;
            try (InputStream out = Files.newInputStream(log)) {
                said = new String(out.readNBytes(4096), StandardCharsets.UTF_8).strip();
            }
            if (exit != 0 || !said.isEmpty()) {
                throw new TaskFailure("Converting the image to " + target + " failed: "
                        + (said.isEmpty() ? "qemu-img exited with status " + exit : said));
            }
        } catch (IOException e) {
            throw new TaskFailure("Converting the image to " + target + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                LOG.warn("Could not remove qemu-img's log {}", log, e);
            }
        }
    }

    private static Path logOf(Path output) {
        return output.resolveSibling(output.getFileName() + ".log");
    }

    /** qemu-img's names for Glance's disk formats. */
    private static String qemuName(String diskFormat) {
        return switch (diskFormat) {
            case "vhd" -> "vpc";
            case "ploop" -> "parallels";
            case "iso", "ami", "ari", "aki" -> "raw";
            default -> diskFormat;
        };
    }
}
