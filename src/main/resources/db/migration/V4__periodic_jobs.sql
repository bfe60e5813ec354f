-- Periodic jobs (expiry, the import sweep) run on one node per interval: the node that moves a job's
-- next_run_at forward, on the database's clock, runs it; the others see that it is not due.
CREATE TABLE periodic_jobs (
    name         VARCHAR(64) NOT NULL PRIMARY KEY,
    next_run_at  BIGINT      NOT NULL,
    last_node    VARCHAR(64)
);
