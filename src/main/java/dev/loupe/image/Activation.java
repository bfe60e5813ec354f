package dev.loupe.image;

/**
 * Who makes an image active with stored data, and so what must still hold when it does: checked in the statement
 * that activates the image, so a writer that lost its claim (the image deleted, the task taken over by another
 * node) activates nothing.
 */
public sealed interface Activation {

    /** An upload through the API: the image is still {@code saving}. */
    record Upload() implements Activation {}

    /**
     * A run of the {@code import} task that made the image: the image is still {@code saving} and its task still
     * leased to {@code leaseOwner}.
     */
    record ImportRun(String leaseOwner) implements Activation {}

    /**
     * A run of an interoperable import ({@code api_image_import}): the image is {@code importing}, held by
     * {@code taskId} ({@link ImportState}), whose lease is still {@code leaseOwner}'s; the hold goes with it.
     */
    record InteroperableImport(String taskId, String leaseOwner) implements Activation {}
}
