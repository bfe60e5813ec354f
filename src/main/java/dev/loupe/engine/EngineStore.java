package dev.loupe.engine;

import dev.loupe.task.Task;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the engine reads and writes of tasks: the queue of pending ones, the leases of running ones, and the one
 * versioned write every other change of a task's state goes through. Times are the database's (see the wiring's
 * clock), so nodes whose own clocks disagree still agree on when a lease ends.
 */
public interface EngineStore {

    /**
     * Claims up to {@code limit} of the oldest pending tasks for {@code node} in one statement: each becomes
     * {@code processing}, one attempt more, with a clean message, leased until {@code leaseUntil}. Claimers running
     * at once never get the same task, and never wait for each other's rows.
     *
     * @return the tasks claimed, as stored
     */
    List<Task> claim(String node, int limit, Instant now, Instant leaseUntil);

    /** Processing tasks whose worker stopped renewing its lease. */
    List<Task> expiredLeases(Instant now, int limit);

    /**
     * Writes {@code after} over the row, with the given lease, if the row still has {@code before}'s version, so no
     * writer overwrites a change it has not seen.
     *
     * @param leaseOwner the node that now runs the task, or null once it has finished
     * @return the task as stored, with its new version; empty if the row changed since {@code before} was read
     */
    Optional<Task> replace(Task before, Task after, String leaseOwner, Instant leaseExpiresAt);

    /**
     * Writes a running task's progress into its {@code message}, if this node still runs it. The row's version is
     * left alone: progress is not a change of state, and must not make the runner's final write look stale.
     */
    void reportProgress(String id, String leaseOwner, String message, Instant now);

    /** A lease a node still holds, and the cancel a caller asked for, if one did. */
    record Renewal(String id, String cancelRequest) {}

    /**
     * Extends the leases a node holds on the given tasks.
     *
     * @return the leases the node still held and has extended; a task missing here was taken over
     */
    List<Renewal> renewLeases(String leaseOwner, List<String> ids, Instant until);

    /** Ends every lease a node holds now, so any node may recover those tasks at once. */
    int releaseLeases(String leaseOwner, Instant now);
}
