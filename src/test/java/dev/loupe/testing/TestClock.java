package dev.loupe.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The tests' clock, in UTC: it reads what the test set and moves only when the test moves it ({@link #set},
 * {@link #advance}), or, made {@link #stepping}, by a fixed step at every reading, so that the order in which a
 * server does things is also their time order, with no ties. Safe to read and move from any thread.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;
    private final Duration step;

    private TestClock(Instant start, Duration step) {
        this.now = new AtomicReference<>(start);
        this.step = step;
    }

    /** A clock that stands at {@code start} until the test moves it. */
    public static TestClock at(Instant start) {
        return new TestClock(start, Duration.ZERO);
    }

    /** A clock that reads {@code start} first and one {@code step} later at each further reading. */
    public static TestClock stepping(Instant start, Duration step) {
        return new TestClock(start, step);
    }

    public void set(Instant instant) {
        now.set(instant);
    }

    public void advance(Duration duration) {
        now.updateAndGet(instant -> instant.plus(duration));
    }

    @Override
    public Instant instant() {
        return now.getAndUpdate(instant -> instant.plus(step));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** This clock itself: everything in Loupe is UTC. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
