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

    private final Loupe loupe;
    private final AtomicInteger received = new AtomicInteger();

    private StopSignals(Loupe loupe) {
        this.loupe = loupe;
    }

    /** Handles SIGTERM and SIGINT for this server; where signals cannot be handled, a shutdown hook drains. */
    static void install(Loupe loupe) {
        StopSignals stop = new StopSignals(loupe);
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
    }

    private void received() {
        if (received.incrementAndGet() == 1) {
            Thread.ofPlatform().name("shutdown").start(() -> {
                drain();
                // Stopping is the normal end of a server: once everything is closed, report success, not 143.
                Runtime.getRuntime().halt(0);
            });
        } else {
            LOG.info("Second stop signal: releasing the running tasks for other nodes now");
            loupe.releaseRunningTasks();
        }
    }

    private void drain() {
        loupe.close();
    }
}
