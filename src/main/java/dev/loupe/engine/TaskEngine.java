package dev.loupe.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.task.Task;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs tasks durably on the task database. A pending row is queued work; a worker claims it by moving it to
 * {@code processing} under a lease that it renews by heartbeat. When a node dies its leases run out, and any node
 * (or the same one restarted) recovers the task: it is started over when its handler allows and attempts remain,
 * failed otherwise. Every write is checked against the row's version, so a worker that lost its task can never
 * overwrite the one that now owns it; and a renewal that finds the lease gone cancels the local run, so a node
 * that was paused stops the work another node has taken over.
 */
public final class TaskEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskEngine.class);

    private static final Duration CLAIMER_STOP_WAIT = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration LONGEST_RETRY = Duration.ofSeconds(2);

    /** A task this node runs: the run its handler sees, and until when this node last knew it held the lease. */
    private static final class Running {
        final Task task;
        final TaskRun run;
        volatile Instant leaseUntil;

        Running(Task task, TaskRun run, Instant leaseUntil) {
            this.task = task;
            this.run = run;
            this.leaseUntil = leaseUntil;
        }
    }

    private final EngineStore tasks;
    private final Handlers handlers;
    private final EngineSettings settings;
    private final Clock clock;
    private final EngineMetrics metrics;
    private final String node;
    private final ExecutorService workers;
    private final Semaphore slots;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService heartbeat;
    private final Thread claimer;
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean stopping;
    private volatile long lastRecovery = System.nanoTime() - Long.MAX_VALUE / 2;
    /** Set when shutdown interrupts the workers: whatever a handler then throws, its task is released, not failed. */
    private volatile boolean releasing;

    /**
     * @param node  this node's name in the leases it takes
     * @param clock the database's clock, which every node reads alike
     */
    public TaskEngine(
            EngineStore tasks,
            Handlers handlers,
            EngineSettings settings,
            String node,
            Clock clock,
            MeterRegistry registry) {
        this.tasks = tasks;
        this.node = node;
        this.handlers = handlers;
        this.settings = settings;
        this.clock = clock;
        this.metrics = new EngineMetrics(registry);
        this.workers = Executors.newFixedThreadPool(
                settings.maxWorkers(), Thread.ofPlatform().name("task-", 1).factory());
        this.slots = new Semaphore(settings.maxWorkers());
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("task-heartbeat").daemon().factory());
        this.claimer = Thread.ofPlatform().name("task-claimer").daemon().unstarted(this::claimLoop);
    }

    public TaskEngine start() {
        long period = settings.heartbeat().toMillis();
        heartbeat.scheduleAtFixedRate(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
        claimer.start();
        LOG.info(
                "Task engine {} started: {} workers, lease {}s, heartbeat {}s",
                node,
                settings.maxWorkers(),
                settings.lease().toSeconds(),
                settings.heartbeat().toSeconds());
        return this;
    }

    /** Tells the engine new work is waiting, so this node claims it now instead of at the next poll. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * Removes what runs of ended tasks left behind because their own cleanup failed (the database or a store was
     * down at that moment): a periodic job, run on one node at a time.
     */
    public void sweep() {
        for (TaskHandler handler : handlers.all()) {
            try {
                handler.sweep();
            } catch (Exception e) {
                LOG.warn("Removing what ended tasks left behind failed; trying again at the next sweep", e);
            }
        }
    }

    /**
     * Runs one claim round now (dead workers' tasks included), on the calling thread, and waits until every task it claimed has ended: tests wait
     * for the engine's work with it instead of sleeping through poll intervals.
     *
     * @return how many tasks the round claimed
     */
    public int runOnce() throws InterruptedException, ExecutionException {
        List<Future<?>> runs = new ArrayList<>();
        lastRecovery = System.nanoTime() - settings.pollInterval().toNanos();
        claimSome(runs, false);
        for (Future<?> run : runs) {
            run.get();
        }
        return runs.size();
    }

    /** The number of tasks this node runs now. */
    public int runningCount() {
        return running.size();
    }

    private void claimLoop() {
        boolean woke = false;
        while (!stopping) {
            try {
                while (!stopping && claimSome(new ArrayList<>(), woke)) {
                    // a full batch was claimed: more may be waiting
                }
            } catch (RuntimeException e) {
                LOG.warn("Looking for work failed; trying again at the next poll: {}", e.toString());
            }
            synchronized (signal) {
                if (!woken && !stopping) {
                    try {
                        signal.wait(settings.pollInterval().toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                woke = woken;
                woken = false;
            }
        }
    }

    /**
     * Claims work for the free slots: first tasks whose worker died, then new ones.
     *
     * @param runs where the runs it starts are added
     * @param woke whether a signal (a task created or ended) rather than the poll interval started this round
     * @return whether every slot was used
     */
    private boolean claimSome(List<Future<?>> runs, boolean woke) {
        int free = slots.availablePermits();
        if (free == 0) {
            return false;
        }
        int claimed = 0;
        // Dead workers' tasks are looked for at the poll interval, not at every wake-up: a lease takes far longer
        // to run out than that, and busy nodes wake up once per task. A wake-up (a task was created) does not pay
        // for that look before its claim unless it is overdue: its round trip would be on the new task's pickup.
        long sinceRecovery = System.nanoTime() - lastRecovery;
        long interval = settings.pollInterval().toNanos();
        if (sinceRecovery >= (woke ? 2 * interval : interval)) {
            lastRecovery = System.nanoTime();
            for (Task orphan : tasks.expiredLeases(now(), free)) {
                if (recover(orphan, runs)) {
                    claimed++;
                }
            }
        }
        int wanted = free - claimed;
        if (wanted > 0 && !stopping && slots.tryAcquire(wanted)) {
            Instant now = now();
            List<Task> fresh;
            try {
                fresh = tasks.claim(node, wanted, now, leaseEnd(now));
            } catch (RuntimeException e) {
                // The slots were taken for this claim: a failed one (the database unreachable) gives them back, or
                // the node would run with fewer workers from then on.
                slots.release(wanted);
                throw e;
            }
            slots.release(wanted - fresh.size());
            for (Task task : fresh) {
                // Two nodes' readings of the database's clock may differ by a few milliseconds: never below 0.
                Duration pickup = Duration.between(task.createdAt(), now);
                metrics.claimed(task.type(), pickup.isNegative() ? Duration.ZERO : pickup);
                LOG.debug("Task {} ({}) claimed by {}", task.id(), task.type().wire(), node);
                runs.add(run(task, leaseEnd(now)));
            }
            claimed += fresh.size();
        }
        return claimed == free;
    }

    /** A processing task whose lease ran out: start it over, or fail it when that is not allowed. */
    private boolean recover(Task orphan, List<Future<?>> runs) {
        if (running.containsKey(orphan.id())) {
            // Still running here: the heartbeat was late (a long pause), not the worker gone. Renew, never rerun.
            renewLeases();
            return false;
        }
        if (stopping || !slots.tryAcquire()) {
            return false;
        }
        TaskHandler handler = handlers.forType(orphan.type());
        Instant now = now();
        if (orphan.cancelRequest() == null && handler.safeToRetry() && orphan.attempts() < settings.maxAttempts()) {
            Optional<Task> stored = tasks.replace(orphan, orphan.retry(now), node, leaseEnd(now));
            if (stored.isPresent()) {
                LOG.info(
                        "Task {} recovered from a stopped worker: retrying (attempt {} of {})",
                        orphan.id(),
                        stored.get().attempts(),
                        settings.maxAttempts());
                metrics.recovered(orphan.type(), "retried");
                runs.add(run(stored.get(), leaseEnd(now)));
                return true;
            }
        } else {
            // A caller cancelled it while its worker was gone: that ends it, not a retry.
            String message = orphan.cancelRequest() != null
                    ? orphan.cancelRequest()
                    : "Task interrupted: the worker running it stopped (attempt " + orphan.attempts() + " of "
                            + settings.maxAttempts() + ")";
            Task failed = orphan.fail(message, now, settings.timeToLive());
            if (tasks.replace(orphan, failed, null, null).isPresent()) {
                LOG.info("Task {} recovered from a stopped worker: failed ({})", orphan.id(), message);
                metrics.recovered(orphan.type(), "failed");
                // The failed task: a handler keeps nothing for a next run of a task that has ended.
                abandon(handler, failed);
            }
        }
        slots.release();
        return false;
    }

    private Future<?> run(Task task, Instant leaseUntil) {
        Running entry = new Running(task, new TaskRun(task, node, message -> progress(task, message)), leaseUntil);
        running.put(task.id(), entry);
        return workers.submit(() -> {
            Map<String, String> context = logContext(task);
            context.forEach(MDC::put);
            try {
                execute(entry);
            } finally {
                running.remove(task.id(), entry);
                slots.release();
                // Worker threads are pooled: the next task must not inherit this one's context.
                context.keySet().forEach(MDC::remove);
                wake();
            }
        });
    }

    /**
     * What every log line of a task's run carries (SLF4J MDC): its id, project, the request id of its create, and
     * what its handler adds (an import's source host).
     */
    private Map<String, String> logContext(Task task) {
        Map<String, String> context = new java.util.LinkedHashMap<>();
        context.put("task_id", task.id());
        if (task.owner() != null) {
            context.put("project_id", task.owner());
        }
        if (task.requestId() != null) {
            context.put("request_id", task.requestId());
        }
        try {
            context.putAll(handlers.forType(task.type()).logContext(task));
        } catch (RuntimeException e) {
            LOG.debug("Task {}: its handler's log context failed: {}", task.id(), e.toString());
        }
        return context;
    }

    private void execute(Running entry) {
        Task task = entry.task;
        long started = System.nanoTime();
        LOG.info("Task {} started (attempt {} of {})", task.id(), task.attempts(), settings.maxAttempts());
        Task finished;
        String outcome;
        try {
            TaskHandler handler = handlers.forType(task.type());
            if (task.attempts() > 1) {
                // Only now, with the lease held, so no other node can be starting the task over at the same time.
                handler.abandon(task);
            }
            JsonNode result = handler.run(entry.run);
            finished = entry.run.outcome() == null
                    ? task.succeed(result, now(), settings.timeToLive())
                    : task.succeed(result, entry.run.outcome(), now(), settings.timeToLive());
            outcome = "success";
        } catch (TaskFailure failure) {
            finished = task.fail(failure.getMessage(), now(), settings.timeToLive());
            outcome = "failure";
        } catch (InterruptedException e) {
            // Only shutdown interrupts a worker; the task is released for recovery, not failed.
            LOG.info("Task {} interrupted by shutdown; released for recovery", task.id());
            return;
        } catch (Exception | Error e) {
            // Even an Error (a failed assertion, a missing class) must end the task, not the worker thread.
            LOG.warn("Task {} failed with an unexpected error", task.id(), e);
            // The detail (which may name files, hosts or SQL) goes to the log; the user learns what kind of error.
            finished = task.fail(
                    "Task failed with an unexpected error (" + e.getClass().getSimpleName()
                            + "); the server log has the details under task " + task.id(),
                    now(),
                    settings.timeToLive());
            outcome = "failure";
        }
        if (releasing) {
            LOG.info("Task {} interrupted by shutdown; released for recovery", task.id());
            return;
        }
        Cancellation cancellation = entry.run.cancellation();
        if (cancellation != null) {
            switch (cancellation.kind()) {
                case REQUESTED -> {
                    // A cancel that came after the work was done is too late: the outcome stands.
                    if (!outcome.equals("success")) {
                        finished = task.fail(cancellation.message(), now(), settings.timeToLive());
                        outcome = "cancelled";
                    }
                }
                case LEASE_LOST, STOPPING -> {
                    LOG.warn("Task {}: {}; this node's {} is discarded", task.id(), cancellation.message(), outcome);
                    metrics.discarded(task.type());
                    return;
                }
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (finish(entry, finished)) {
            LOG.info(
                    "Task {} finished: {} in {} ms{}",
                    task.id(),
                    outcome,
                    took.toMillis(),
                    finished.message().isEmpty() ? "" : " (" + finished.message() + ")");
            metrics.finished(task.type(), outcome, took);
        } else {
            LOG.warn(
                    "Task {} was taken over by another worker; this worker's late {} is discarded", task.id(), outcome);
            metrics.discarded(task.type());
        }
    }

    /**
     * Writes the outcome, retrying with backoff while the database cannot be reached and this node still holds
     * the lease: an outage shorter than the lease costs no re-run.
     *
     * @return whether the outcome was written; false when another worker has the task now
     */
    private boolean finish(Running entry, Task finished) {
        Duration wait = FIRST_RETRY;
        while (true) {
            try {
                return tasks.replace(entry.task, finished, null, null).isPresent();
            } catch (RuntimeException e) {
                if (!now().plus(wait).isBefore(entry.leaseUntil)) {
                    LOG.warn(
                            "Task {}: writing its outcome failed until its lease ran out; another node will run it"
                                    + " again",
                            entry.task.id(),
                            e);
                    return false;
                }
                LOG.warn("Task {}: writing its outcome failed ({}); retrying in {} ms", entry.task.id(), e, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                wait = wait.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : wait.multipliedBy(2);
            }
        }
    }

    private static void abandon(TaskHandler handler, Task task) {
        try {
            handler.abandon(task);
        } catch (Exception e) {
            LOG.warn("Task {}: removing what its stopped run left behind failed", task.id(), e);
        }
    }

    private void progress(Task task, String message) {
        try {
            tasks.reportProgress(task.id(), node, message, now());
        } catch (RuntimeException e) {
            LOG.warn("Task {}: recording progress failed: {}", task.id(), e.toString());
        }
    }

    /** Extends this node's leases; a run whose lease another node took is cancelled. */
    private void renewLeases() {
        List<String> ids = List.copyOf(running.keySet());
        if (ids.isEmpty()) {
            return;
        }
        Instant until = leaseEnd(now());
        Map<String, String> held = new HashMap<>();
        try {
            for (EngineStore.Renewal renewal : tasks.renewLeases(node, ids, until)) {
                held.put(renewal.id(), renewal.cancelRequest() == null ? "" : renewal.cancelRequest());
            }
        } catch (RuntimeException e) {
            LOG.warn("Renewing the leases of {} task(s) failed; retrying at the next heartbeat: {}", ids.size(), e);
            return;
        }
        for (String id : ids) {
            Running entry = running.get(id);
            if (entry == null) {
                continue;
            }
            String cancelRequest = held.get(id);
            if (cancelRequest == null) {
                if (!entry.run.cancelled()) {
                    LOG.warn("Task {}: this node lost its lease (another node runs the task now); stopping", id);
                    entry.run.cancel(Cancellation.leaseLost());
                }
                continue;
            }
            entry.leaseUntil = until;
            if (!cancelRequest.isEmpty() && !entry.run.cancelled()) {
                LOG.info("Task {}: {}; stopping", id, cancelRequest);
                entry.run.cancel(Cancellation.requested(cancelRequest));
            }
        }
    }

    /**
     * Stops claiming, lets running tasks finish within the grace period, then releases the rest so that any
     * node (or this one, restarted) recovers them at once.
     */
    @Override
    public void close() {
        stopping = true;
        wake();
        claimer.interrupt();
        try {
            // No claim may happen once the workers stop taking work: a task claimed then would spend an attempt
            // without running. So the claimer finishes its round first.
            claimer.join(CLAIMER_STOP_WAIT.toMillis());
            workers.shutdown();
            if (!running.isEmpty()) {
                LOG.info(
                        "Stopping: {} task(s) running, waiting up to {} s for them to finish",
                        running.size(),
                        settings.shutdownGrace().toSeconds());
            }
            if (!workers.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                releaseRunning();
            }
        } catch (InterruptedException e) {
            releaseRunning();
            Thread.currentThread().interrupt();
        }
        heartbeat.shutdownNow();
        int released = tasks.releaseLeases(node, now());
        if (released > 0) {
            LOG.info("Released {} task(s) for recovery", released);
        }
    }

    /** Interrupts the running tasks; they are released, not failed, for another node to run at once. */
    public void releaseRunning() {
        LOG.info("{} task(s) still running; releasing them for recovery", running.size());
        releasing = true;
        // An interrupt does not end a read from a socket: cancelling closes what each run waits on.
        running.values().forEach(entry -> entry.run.cancel(Cancellation.stopping()));
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Instant leaseEnd(Instant now) {
        return now.plus(settings.lease());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
