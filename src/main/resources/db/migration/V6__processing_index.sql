-- Fair claims count each waiting project's running tasks at every claim, and recovery looks for running tasks
-- whose lease ran out: both read only the few processing rows, never the table.
CREATE INDEX ix_tasks_processing_owner ON tasks (owner) WHERE status = 'processing';
