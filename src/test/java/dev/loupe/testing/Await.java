package dev.loupe.testing;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one way a test waits for what another thread or process does: it looks again, every few milliseconds, until
 * the condition holds, and fails naming what it waited for (and what it last saw) once the timeout has passed. The
 * timeout is a bound for a broken build, never a measurement: a test never sleeps a fixed time to let something
 * happen, nor to show that nothing does (it asks the engine for a round instead, {@code TaskEngine.runOnce()}).
 *
 * <p>A probe may throw to give up at once, e.g. when the process it watches has died.
 */
public final class Await {

    private static final Duration FIRST_LOOK = Duration.ofMillis(5);
    private static final Duration LOOK_AT_MOST_EVERY = Duration.ofMillis(50);

    /** Something to look at; it may throw. */
    @FunctionalInterface
    public interface Probe<T> {
        T look() throws Exception;
    }

    /** A condition to look at; it may throw. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** What a wait that ran out of time throws. */
    public static final class TimedOut extends AssertionError {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    private Await() {}

    /**
     * Waits until the condition holds; fails naming {@code what} after the timeout.
     *
     * @param what what is awaited, as in "waiting for ..."
     */
    public static void until(Duration timeout, Condition condition, String what) {
        until(timeout, condition::holds, Boolean::booleanValue, what);
    }

    /**
     * Looks until what the probe sees is done, and answers it; fails naming {@code what}, with the last thing seen,
     * after the timeout.
     */
    public static <T> T until(Duration timeout, Probe<T> probe, Predicate<? super T> done, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_LOOK;
        while (true) {
            T seen = look(probe, what);
            if (done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimedOut("gave up after " + timeout + " waiting for " + what
                        + (seen instanceof Boolean ? "" : "; last seen: " + seen));
            }
            pause(pause);
            pause = pause.multipliedBy(2).compareTo(LOOK_AT_MOST_EVERY) < 0
                    ? pause.multipliedBy(2)
                    : LOOK_AT_MOST_EVERY;
        }
    }

    private static <T> T look(Probe<T> probe, String what) {
        try {
            return probe.look();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for: " + what, e);
        } catch (Exception e) {
            throw new AssertionError("looking for '" + what + "' failed", e);
        }
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
