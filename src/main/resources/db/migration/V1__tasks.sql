-- Tasks as upstream keeps them (a row plus its details), with times as microseconds since the epoch.
-- Written in the SQL that SQLite and PostgreSQL share.

CREATE TABLE tasks (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    type        VARCHAR(30)  NOT NULL,
    status      VARCHAR(30)  NOT NULL,
    owner       VARCHAR(255) NOT NULL,
    expires_at  BIGINT,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    deleted_at  BIGINT,
    deleted     BOOLEAN      NOT NULL DEFAULT FALSE,
    image_id    VARCHAR(255),
    request_id  VARCHAR(64),
    user_id     VARCHAR(255)
);

CREATE TABLE task_info (
    task_id  VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES tasks (id),
    input    TEXT,
    result   TEXT,
    message  TEXT NOT NULL DEFAULT ''
);

-- One index per list order, each ending in the tie-breakers (created_at, id) so a page after a marker is a
-- range scan. Only live rows are listed, hence the partial indexes.
CREATE INDEX ix_tasks_created_at ON tasks (created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_updated_at ON tasks (updated_at, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_status ON tasks (status, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_type ON tasks (type, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_owner ON tasks (owner, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_expires_at ON tasks (COALESCE(expires_at, 0), created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_image_id ON tasks (COALESCE(image_id, ''), created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_request_id ON tasks (COALESCE(request_id, ''), created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_tasks_user_id ON tasks (COALESCE(user_id, ''), created_at, id) WHERE deleted = FALSE;
-- The expiry sweep and the purge.
CREATE INDEX ix_tasks_expiry ON tasks (expires_at) WHERE deleted = FALSE AND expires_at IS NOT NULL;
CREATE INDEX ix_tasks_deleted_at ON tasks (deleted_at) WHERE deleted = TRUE;
