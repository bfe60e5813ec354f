package dev.loupe.store;

/** The store could not do what was asked (disk full, no permission, data missing); the message says which. */
public sealed class StoreFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreFailure(String message) {
        super(message);
    }

    public StoreFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The data a location names is not in the store: removed behind Loupe's back, or never completed. Every store
     * says so with this type, whatever its own way of telling (a missing file, S3's {@code NoSuchKey}).
     */
    public static final class Missing extends StoreFailure {
        private static final long serialVersionUID = 1L;

        public Missing(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
