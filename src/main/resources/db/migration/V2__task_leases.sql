-- Durable execution on the task row itself: a pending row is queued work; a processing row carries the lease of
-- the worker running it, renewed by heartbeat. version guards every write, so a stale worker cannot overwrite
-- a task another worker has taken over.

ALTER TABLE tasks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN lease_owner VARCHAR(64);
ALTER TABLE tasks ADD COLUMN lease_expires_at BIGINT;

-- Workers look for the oldest pending tasks, and for processing tasks whose lease has run out.
CREATE INDEX ix_tasks_pending ON tasks (created_at, id) WHERE status = 'pending';
CREATE INDEX ix_tasks_leases ON tasks (lease_expires_at) WHERE status = 'processing';
