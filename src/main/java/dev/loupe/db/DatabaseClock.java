package dev.loupe.db;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server's clock, read through this node's: this node's time plus the offset measured against the
 * server every {@code resync}, in the background so that reading the time never waits for the database. Every node
 * of a cluster stamps leases, expiry and tasks on it, so a node whose own clock is off neither takes over live
 * leases nor expires anything early.
 */
public final class DatabaseClock extends Clock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseClock.class);

    private final Clock local;
    private final Jdbi jdbi;
    private final ScheduledExecutorService timer;
    private volatile long offsetNanos;

    private DatabaseClock(Clock local, Jdbi jdbi) {
        this.local = local;
        this.jdbi = jdbi;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("database-clock").daemon().factory());
    }

    /** A clock synchronized with the server now: a start fails here, not later, when the server cannot answer. */
    public static DatabaseClock of(Clock local, Database database, Duration resync) {
        DatabaseClock clock = new DatabaseClock(local, database.jdbi());
        clock.sync();
        clock.timer.scheduleWithFixedDelay(clock::resync, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        return clock;
    }

    @Override
    public Instant instant() {
        return local.instant().plusNanos(offsetNanos);
    }

    private void resync() {
        try {
            sync();
        } catch (RuntimeException e) {
            LOG.debug("Reading the database's clock failed; keeping the last offset: {}", e.toString());
        }
    }

    private void sync() {
        Instant before = local.instant();
        long serverMicros = jdbi.withHandle(
                h -> h.createQuery("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)")
                        .mapTo(Long.class)
                        .one());
        Instant after = local.instant();
        // The server read its clock somewhere in the round trip: take the middle.
        Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
        Instant server = Instant.ofEpochSecond(0, 0).plusNanos(Math.multiplyExact(serverMicros, 1000L));
        long offset = Duration.between(middle, server).toNanos();
        if (Math.abs(offset - offsetNanos) > Duration.ofSeconds(1).toNanos()) {
            LOG.info("This node's clock is {} ms off the database's; using the database's", -offset / 1_000_000);
        }
        offsetNanos = offset;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the database's clock is UTC");
    }
}
