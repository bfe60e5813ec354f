package dev.loupe.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Task-created signals within this process. */
final class LocalSignals implements TaskSignals {

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void taskCreated() {
        listeners.forEach(Runnable::run);
    }

    @Override
    public void onTaskCreated(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {}
}
