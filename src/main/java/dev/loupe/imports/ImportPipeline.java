package dev.loupe.imports;

import dev.loupe.engine.Cancellation;
import dev.loupe.engine.TaskFailure;
import dev.loupe.engine.TaskRun;
import dev.loupe.image.Image;
import dev.loupe.imports.fetch.FetchFailure;
import dev.loupe.imports.fetch.Fetcher;
import dev.loupe.imports.fetch.ResumableSource;
import dev.loupe.store.ImageStore;
import dev.loupe.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every import's data takes into the store, whichever task brings it: the {@code import} task
 * ({@link ImportHandler}) and the interoperable import's {@code api_image_import} ({@link ApiImportHandler}). A source
 * is fetched through the SSRF-safe {@link Fetcher} (resumed where it broke), or data already on this node (a
 * {@code glance-direct} staged file) is read; either flows once through md5, the multihash and the format inspector
 * into the store, and content that is unsafe or not what it is declared as is refused before it is published.
 */
final class ImportPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(ImportPipeline.class);

    /** The first wait before a broken source is asked again; it doubles with each try in a row. */
    static final Duration SOURCE_BACKOFF = Duration.ofSeconds(1);

    private static final long MIB = 1 << 20;

    private final ImageStore store;
    private final Fetcher fetcher;
    private final HashAlgorithm hashAlgorithm;
    private final Conversion conversion;
    private final int sourceRetries;

    ImportPipeline(
            ImageStore store, Fetcher fetcher, HashAlgorithm hashAlgorithm, Conversion conversion, int sourceRetries) {
        this.store = store;
        this.fetcher = fetcher;
        this.hashAlgorithm = hashAlgorithm;
        this.conversion = conversion;
        this.sourceRetries = sourceRetries;
    }

    /**
     * Fetches {@code uri} and stores it as the data of {@code queued}, converted when the configuration asks for it,
     * and published; the image row is left to the caller. Failures become the task's message.
     *
     * @param resumed whether an earlier run left data of this image that the store may continue
     * @param opened  runs once the source answered, before the first byte is copied
     */
    Image.StoredData fetch(
            Image queued, String uri, boolean resumed, Verification verification, TaskRun run, Runnable opened)
            throws TaskFailure, InterruptedException, StoreFailure {
        Transfer transfer = new Transfer(hashAlgorithm, run::progress);
        Optional<ImageStore.Unfinished> unfinished = resumed ? store.unfinished(queued.id()) : Optional.empty();
        long from = unfinished.map(ImageStore.Unfinished::size).orElse(0L);
        ResumableSource.Listener listener = new ResumableSource.Listener() {
            @Override
            public void resumed(long at) {
                LOG.info(
                        "Task {}: the source broke off; resuming at byte {}",
                        run.task().id(),
                        at);
                transfer.note("resumed at " + at / MIB + " MiB");
            }

            @Override
            public void startedOver(String why) {
                LOG.info(
                        "Task {}: the source broke off; starting over: {}",
                        run.task().id(),
                        why);
                transfer.note("started over: " + why);
            }
        };
        try (ResumableSource source = fetcher.openResumable(
                uri,
                from,
                unfinished.map(ImageStore.Unfinished::note).orElse(null),
                sourceRetries,
                SOURCE_BACKOFF,
                listener)) {
            // A cancelled run, or a node that lost the task, stops copying at once: aborting the source ends the read.
            run.onCancel(source::abort);
            opened.run();
            ImageStore.Unfinished held = null;
            if (unfinished.isPresent()) {
                if (source.start() == from) {
                    held = unfinished.get();
                    LOG.info(
                            "Task {}: continuing from the {} bytes an earlier run stored",
                            run.task().id(),
                            from);
                    transfer.note("resumed at " + from / MIB + " MiB after a restart");
                } else {
                    LOG.info(
                            "Task {}: the source changed since an earlier run; starting over",
                            run.task().id());
                    store.discard(queued.id());
                }
            }
            return conversion.wanted(queued.diskFormat())
                    ? conversion.convertAndStore(queued, source, transfer, store, run, verification)
                    : storeAsIs(queued, source, held, transfer, verification, run);
        } catch (FetchFailure e) {
            throw new TaskFailure(e.getMessage(), e);
        } catch (StoreFailure e) {
            throw storeFailed(run, e);
        } catch (IOException e) {
            // The source's body names what broke (SourceReadFailure); anything else is a local read error.
            throw new TaskFailure(e.getMessage() == null ? "Reading the source failed" : e.getMessage(), e);
        }
    }

    /**
     * Stores {@code data}, which is on this node already (a staged upload), as the data of {@code image}, in the
     * same one pass as a fetched source. As {@code PUT /v2/images/{id}/file} takes the same bytes, content that is
     * no structured disk image is stored under any {@code disk_format}; unsafe content and another disk image format
     * than the declared one are refused.
     *
     * @param length the data's size, for the progress message
     */
    Image.StoredData storeLocal(Image image, InputStream data, long length, TaskRun run)
            throws TaskFailure, InterruptedException, StoreFailure {
        Transfer transfer = new Transfer(hashAlgorithm, run::progress);
        // A cancelled run stops copying at once: closing the data ends the read.
        run.onCancel(() -> {
            try {
                data.close();
            } catch (IOException e) {
                LOG.debug("Closing the staged data of image {} failed", image.id(), e);
            }
        });
        try (ImageStore.Upload upload = store.begin(image.id())) {
            Transfer.Copied copied = transfer.copy(data, OptionalLong.of(length), upload);
            List<String> refusals = copied.refusalsAsSent(image.diskFormat());
            if (!refusals.isEmpty()) {
                throw new TaskFailure(String.join("; ", refusals));
            }
            return transfer.stored(
                    copied, upload.publish(), image.diskFormat(), copied.virtualSize(image.diskFormat()));
        } catch (StoreFailure e) {
            throw storeFailed(run, e);
        } catch (IOException e) {
            throw new TaskFailure(
                    "Reading the staged data failed" + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /** The store's trouble is the operator's to fix: the log keeps what the message leaves out (paths). */
    private static TaskFailure storeFailed(TaskRun run, StoreFailure e) {
        LOG.warn("Task {}: the image store failed: {}", run.task().id(), e.getMessage(), e);
        return new TaskFailure(e.getMessage(), e);
    }

    /**
     * Copies the source into the store, after what {@code held} holds when it is given, starting over in a new
     * upload when the source does; keeps the upload's data when the run stops for another to go on.
     */
    private Image.StoredData storeAsIs(
            Image queued,
            ResumableSource source,
            ImageStore.Unfinished held,
            Transfer transfer,
            Verification verification,
            TaskRun run)
            throws IOException, StoreFailure, TaskFailure, InterruptedException {
        while (true) {
            InputStream readBack = held == null ? null : held.read();
            try (InputStream stored = readBack;
                    ImageStore.Upload upload =
                            held == null ? store.begin(queued.id(), source.validator()) : held.resume()) {
                try {
                    Transfer.Copied copied = copyVerified(transfer, stored, source, upload, verification);
                    refuseUnsafe(copied, queued.diskFormat());
                    return transfer.stored(copied, upload.publish(), queued.diskFormat(), virtualSize(copied));
                } catch (ResumableSource.Restarted e) {
                    held = null;
                } finally {
                    Cancellation cancellation = run.cancellation();
                    if (cancellation != null && cancellation.kind() != Cancellation.Kind.REQUESTED) {
                        upload.keep();
                    }
                }
            }
        }
    }

    /**
     * Copies the source (after the bytes read back from {@code stored}, if any) and checks the digests of
     * {@code validation_data}: a mismatch fails the task.
     */
    static Transfer.Copied copyVerified(
            Transfer transfer,
            InputStream stored,
            ResumableSource source,
            ImageStore.Upload upload,
            Verification verification)
            throws IOException, StoreFailure, TaskFailure, InterruptedException {
        Transfer.Copied copied = transfer.copy(
                stored,
                source.body(),
                source.contentLength(),
                upload,
                verification == null ? null : verification.algorithm());
        if (verification != null) {
            List<String> mismatches = verification.mismatches(copied);
            if (!mismatches.isEmpty()) {
                throw new TaskFailure(String.join("; ", mismatches));
            }
        }
        return copied;
    }

    static void refuseUnsafe(Transfer.Copied copied, String diskFormat) throws TaskFailure {
        List<String> refusals = copied.inspection().refusalsFor(diskFormat);
        if (!refusals.isEmpty()) {
            throw new TaskFailure(String.join("; ", refusals));
        }
    }

    static Long virtualSize(Transfer.Copied copied) {
        long virtualSize = copied.inspection().virtualSize();
        return virtualSize < 0 ? null : virtualSize;
    }
}
