-- Task control beyond Glance's API.
-- cancel_reason: set when a caller cancels a processing task; the node running it stops it at its next heartbeat
-- and ends it in failure with this message.
ALTER TABLE tasks ADD COLUMN cancel_reason TEXT;
-- idempotency_key: the Idempotency-Key a create carried; one live task per project and key.
ALTER TABLE tasks ADD COLUMN idempotency_key VARCHAR(255);
CREATE UNIQUE INDEX ux_tasks_idempotency ON tasks (owner, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND deleted = FALSE;
-- Fair claims look at each project's oldest pending task.
CREATE INDEX ix_tasks_pending_owner ON tasks (owner, created_at, id) WHERE status = 'pending';
