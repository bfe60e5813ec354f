package dev.loupe;

/** What one Loupe process does: everything (the default), or one half when they run as separate processes. */
public enum Role {
    /** The HTTP API and a worker pool. */
    ALL,
    /** The HTTP API only: tasks created here are run by worker processes on the same database. */
    API,
    /** A worker pool only: runs the tasks that API processes create. */
    WORKER;

    boolean servesApi() {
        return this != WORKER;
    }

    boolean runsTasks() {
        return this != API;
    }
}
