package dev.loupe.cli;

import dev.loupe.Loupe;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code loupe serve} stops: the first SIGTERM or SIGINT (Ctrl-C) drains (running tasks get the shutdown grace),
 * a second one releases the running tasks for other nodes at once. The JVM's own shutdown hooks cannot see a second
 * signal, so the signals are handled here, through {@code sun.misc.Signal}: the JDK's supported handle on them (module
 * jdk.unsupported), reached reflectively because javac flags every direct use as proprietary API.
 */
final class StopSignals {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private final AtomicInteger received = new AtomicInteger();
    private Loupe loupe;
    private boolean draining;

    private StopSignals() {}

    /**
     * Handles SIGTERM and SIGINT from now on, before the server starts: a signal that comes while it starts is kept
     * and acted on once it serves ({@link #serving}). Where signals cannot be handled, a shutdown hook drains.
     */
    static StopSignals install() {
        StopSignals stop = new StopSignals();
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            InvocationHandler onSignal = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    stop.received();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "loupe stop signals";
            };
            Object handler =
                    Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handlerType}, onSignal);
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : new String[] {"TERM", "INT"}) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Signals cannot be handled here ({}); a shutdown hook drains instead", e.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(stop::drain, "shutdown"));
        }
        return stop;
    }

    /** The server has started: what a stop signal stops, at once if one came while it started. */
    synchronized void serving(Loupe started) {
        loupe = started;
        if (received.get() > 0) {
            startDraining();
        }
    }

    private synchronized void received() {
        int count = received.incrementAndGet();
        if (loupe == null) {
            return;
        }
        if (count == 1 || !draining) {
            startDraining();
        } else {
            LOG.info("Second stop signal: releasing the running tasks for other nodes now");
            loupe.releaseRunningTasks();
        }
    }

    private void startDraining() {
        draining = true;
        Thread.ofPlatform().name("shutdown").start(() -> {
            drain();
            // Stopping is the normal end of a server: once everything is closed, report success, not 143.
            Runtime.getRuntime().halt(0);
        });
    }

    private void drain() {
        Loupe started;
        synchronized (this) {
            started = loupe;
        }
        if (started != null) {
            started.close();
        }
    }
}
