package dev.loupe.store;

/** The store could not do what was asked (disk full, no permission, data missing); the message says which. */
public final class StoreFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreFailure(String message) {
        super(message);
    }

    public StoreFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
