-- Images as Glance's Images API v2 shows them: a row, its tags, its extra properties and where its data is.
-- task_id is Loupe's own: the import task that is creating the image, so an interrupted import's leftovers can
-- be found and removed before the task is retried or failed.

CREATE TABLE images (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    name              VARCHAR(255),
    status            VARCHAR(30)  NOT NULL,
    visibility        VARCHAR(20)  NOT NULL,
    protected         BOOLEAN      NOT NULL DEFAULT FALSE,
    os_hidden         BOOLEAN      NOT NULL DEFAULT FALSE,
    owner             VARCHAR(255),
    disk_format       VARCHAR(20),
    container_format  VARCHAR(20),
    size              BIGINT,
    virtual_size      BIGINT,
    checksum          VARCHAR(32),
    os_hash_algo      VARCHAR(64),
    os_hash_value     VARCHAR(128),
    min_disk          INTEGER      NOT NULL DEFAULT 0,
    min_ram           INTEGER      NOT NULL DEFAULT 0,
    created_at        BIGINT       NOT NULL,
    updated_at        BIGINT       NOT NULL,
    deleted_at        BIGINT,
    deleted           BOOLEAN      NOT NULL DEFAULT FALSE,
    task_id           VARCHAR(36)
);

CREATE TABLE image_tags (
    image_id  VARCHAR(36)  NOT NULL REFERENCES images (id),
    value     VARCHAR(255) NOT NULL,
    PRIMARY KEY (image_id, value)
);

CREATE TABLE image_properties (
    image_id  VARCHAR(36)  NOT NULL REFERENCES images (id),
    name      VARCHAR(255) NOT NULL,
    value     TEXT         NOT NULL,
    PRIMARY KEY (image_id, name)
);

CREATE TABLE image_locations (
    image_id  VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES images (id),
    url       TEXT        NOT NULL
);

CREATE INDEX ix_images_created_at ON images (created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_images_owner ON images (owner, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_images_visibility ON images (visibility, created_at, id) WHERE deleted = FALSE;
CREATE INDEX ix_images_task ON images (task_id) WHERE task_id IS NOT NULL;
-- GET /v2/images/{id}/tasks: the tasks naming an image, deleted or not (admins see both).
CREATE INDEX ix_tasks_image ON tasks (image_id) WHERE image_id IS NOT NULL;
