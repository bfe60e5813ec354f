package dev.loupe.store;

import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every store a deployment has, as one: new data goes to the default store ({@code [glance_store] default_store});
 * a location is read and deleted by the store of its scheme, so images stored before a switch to another store stay
 * readable and deletable where they are; an image's leftovers are discarded from every store.
 */
public final class RoutingStore implements ImageStore {

    private final ImageStore writer;
    private final List<ImageStore> stores;
    private final Map<String, ImageStore> byScheme = new LinkedHashMap<>();

    /**
     * @param writer  the store new data goes to
     * @param readers further stores whose locations stay readable and deletable
     */
    public RoutingStore(ImageStore writer, List<ImageStore> readers) {
        this.writer = writer;
        this.stores = new ArrayList<>();
        stores.add(writer);
        stores.addAll(readers);
        for (ImageStore store : stores) {
            for (String scheme : store.schemes()) {
                if (byScheme.putIfAbsent(scheme, store) != null) {
                    throw new IllegalArgumentException("Two stores read locations of scheme " + scheme);
                }
            }
        }
    }

    @Override
    public List<String> schemes() {
        return List.copyOf(byScheme.keySet());
    }

    @Override
    public Upload begin(String imageId) throws StoreFailure {
        return writer.begin(imageId);
    }

    @Override
    public Upload begin(String imageId, String note) throws StoreFailure {
        return writer.begin(imageId, note);
    }

    @Override
    public boolean continuesUploads() {
        return writer.continuesUploads();
    }

    @Override
    public java.util.Optional<Unfinished> unfinished(String imageId) throws StoreFailure {
        return writer.unfinished(imageId);
    }

    @Override
    public InputStream open(String location, long offset, long length) throws StoreFailure {
        return storeOf(location).open(location, offset, length);
    }

    @Override
    public void delete(String location) throws StoreFailure {
        storeOf(location).delete(location);
    }

    /** Tries every store, so one store's failure leaves no data behind in the others; then reports the first. */
    @Override
    public void discard(String imageId) throws StoreFailure {
        StoreFailure first = null;
        for (ImageStore store : stores) {
            try {
                store.discard(imageId);
            } catch (StoreFailure e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        for (ImageStore store : stores) {
            store.close();
        }
    }

    private ImageStore storeOf(String location) throws StoreFailure {
        String scheme;
        try {
            scheme = URI.create(location).getScheme();
        } catch (IllegalArgumentException e) {
            throw new StoreFailure("Not a location of any configured store: " + location, e);
        }
        ImageStore store = scheme == null ? null : byScheme.get(scheme.toLowerCase(Locale.ROOT));
        if (store == null) {
            throw new StoreFailure("No configured store reads locations of scheme " + scheme + " (" + location
                    + "); configure that store in [glance_store] to read or delete this image's data");
        }
        return store;
    }
}
